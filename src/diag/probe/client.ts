import { fileURLToPath } from 'node:url';
import { OperationError } from '../../netcore/errors.js';
import { JsonLinesChild } from '../../netcore/kernel/json-lines-child.js';
import type { AgentOps, AgentReply, AgentRequest, OpName } from './protocol.js';

const AGENT = fileURLToPath(new URL('./agent.js', import.meta.url));

/** A probe agent running in one namespace (a container's, or the host's with netnsPath null). */
export class ProbeAgent {
  private constructor(private readonly child: JsonLinesChild<AgentRequest, AgentReply>) {}

  get where(): string {
    return this.child.where;
  }

  static start(netnsPath: string | null): ProbeAgent {
    return new ProbeAgent(new JsonLinesChild(AGENT, netnsPath, { name: 'probe agent' }));
  }

  async call<K extends OpName>(op: K, args: AgentOps[K][0]): Promise<AgentOps[K][1]> {
    if (this.child.exited) throw this.child.exited;
    const reply = await this.child.request({ op, args }).reply;
    if (reply.error !== undefined) throw new OperationError(`probe in ${this.where}: ${reply.error}`);
    return reply.result as AgentOps[K][1];
  }

  /** Ends the agent: it leaves once its stdin closes, and the caller need not wait for that to exit itself. */
  close(): void {
    this.child.close();
  }
}
