import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OperationError } from '../../netcore/errors.js';
import type { AgentOps, AgentReply, OpName } from './protocol.js';

const AGENT = fileURLToPath(new URL('./agent.js', import.meta.url));

/** A probe agent running in one namespace (a container's, or the host's with netnsPath null). */
export class ProbeAgent {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly where: string) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as AgentReply;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p.reject(new OperationError(`probe in ${where}: ${reply.error}`));
      else p.resolve(reply.result);
    });
    child.on('exit', (code) => this.fail(new OperationError(`probe agent in ${where} exited (${code})`)));
    child.on('error', (err) => this.fail(new OperationError(`probe agent in ${where} did not start: ${err.message}`)));
    // a request written after the agent died (its namespace is gone) fails through 'exit', not as an unhandled EPIPE
    child.stdin.on('error', () => undefined);
  }

  private fail(why: OperationError): void {
    this.exited ??= why;
    for (const p of this.pending.values()) p.reject(this.exited);
    this.pending.clear();
  }

  static start(netnsPath: string | null): ProbeAgent {
    const [file, args] = netnsPath
      ? ['nsenter', [`--net=${netnsPath}`, '--', process.execPath, AGENT]]
      : [process.execPath, [AGENT]];
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new ProbeAgent(child, netnsPath ?? 'the host namespace');
  }

  call<K extends OpName>(op: K, args: AgentOps[K][0]): Promise<AgentOps[K][1]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ id, op, args }) + '\n');
    });
  }

  /** Ends the agent: it leaves once its stdin closes, and the caller need not wait for that to exit itself. */
  close(): void {
    this.child.stdin.end();
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  }
}
