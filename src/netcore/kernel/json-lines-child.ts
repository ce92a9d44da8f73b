import { spawn, type ChildProcessByStdio } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { OperationError } from '../errors.js';

/**
 * A Node child that speaks JSON lines: one request object per line on its
 * stdin, one reply per line on its stdout, matched by the `id` this side
 * gives each request. It runs `script` in a network namespace (nsenter
 * --net) or in this process's own. Used by the probe agent (diag/probe) and
 * the DNS server's namespace dialer (dns/netns-dialer.ts), perf's traffic
 * generator (perf/generator), which also reports events between replies.
 *
 * A request is answered, or fails: when the child exits or cannot start (every
 * pending one), when it is cancelled, or after its own timeout.
 */
export interface JsonLinesChildOptions {
  /** how failures name the child: "<name> in <where> exited (1)" */
  name: string;
  /** told once the child has exited or failed to start */
  onExit?: (why: OperationError) => void;
  /** told after each request is settled (answered, failed or cancelled) */
  onSettled?: () => void;
  /** lines with an `event` field and no request's id: what the child reports on its own (perf's live samples) */
  onEvent?: (event: { event: string } & Record<string, unknown>) => void;
}

interface Pending { resolve: (reply: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout | null }

export class JsonLinesChild<Req extends object, Reply extends { id: number }> {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone: OperationError | null = null;
  readonly where: string;

  constructor(script: string, netnsPath: string | null, private readonly opts: JsonLinesChildOptions) {
    this.where = netnsPath ?? 'the host namespace';
    const [file, args] = netnsPath
      ? ['nsenter', [`--net=${netnsPath}`, '--', process.execPath, script]]
      : [process.execPath, [script]];
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return; // not ours to read
      }
      if (reply && typeof reply === 'object' && 'event' in reply) {
        opts.onEvent?.(reply as unknown as { event: string });
        return;
      }
      this.settle(reply.id, (p) => p.resolve(reply));
    });
    this.child.on('exit', (code) => this.fail(new OperationError(`${opts.name} in ${this.where} exited (${code})`)));
    this.child.on('error', (err) => this.fail(new OperationError(`${opts.name} in ${this.where} did not start: ${err.message}`)));
    // a request written after the child died (its namespace is gone) fails through 'exit', not as an unhandled EPIPE
    this.child.stdin.on('error', () => undefined);
  }

  /** Why the child is gone, or null while it runs. */
  get exited(): OperationError | null {
    return this.gone;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends one request (its id added); the reply, or a rejection. */
  request(body: Omit<Req, 'id'>, timeoutMs?: number): { id: number; reply: Promise<Reply> } {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = timeoutMs === undefined ? null
        : setTimeout(() => this.cancel(id, new OperationError(`${this.opts.name} in ${this.where}: no reply in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
    });
    if (this.gone) this.cancel(id, this.gone);
    else this.child.stdin.write(JSON.stringify({ ...body, id }) + '\n');
    return { id, reply };
  }

  /** Fails one pending request (its reply, should it come, is dropped). */
  cancel(id: number, why: Error = new OperationError('cancelled')): void {
    this.settle(id, (p) => p.reject(why));
  }

  /** Ends the child: it leaves once its stdin closes, and this process need not wait for that to exit itself. */
  close(): void {
    this.child.stdin.end();
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
  }

  /** Ends the child now. */
  stop(): void {
    this.child.stdin.end();
    this.child.kill('SIGTERM');
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    how(p);
    this.opts.onSettled?.();
  }

  private fail(why: OperationError): void {
    if (this.gone) return;
    this.gone = why;
    for (const id of [...this.pending.keys()]) this.cancel(id, why);
    this.opts.onExit?.(why);
  }
}
