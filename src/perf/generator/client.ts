import { fileURLToPath } from 'node:url';
import { OperationError } from '../../netcore/errors.js';
import { JsonLinesChild } from '../../netcore/kernel/json-lines-child.js';
import type { GeneratorOp, GeneratorOps, GeneratorReply, GeneratorRequest, SampleEvent } from './protocol.js';

const AGENT = fileURLToPath(new URL('./agent.js', import.meta.url));

/** The traffic generator running in one namespace for a perf run (null: the machine's own). */
export class Generator {
  private readonly child: JsonLinesChild<GeneratorRequest, GeneratorReply>;
  private readonly exited: Promise<void>;

  constructor(netnsPath: string | null, onSample: (e: SampleEvent) => void = () => undefined) {
    let exited = () => undefined as void;
    this.exited = new Promise<void>((resolve) => { exited = resolve; });
    this.child = new JsonLinesChild(AGENT, netnsPath, {
      name: 'perf generator',
      onExit: () => exited(),
      onEvent: (e) => { if (e.event === 'sample') onSample(e as unknown as SampleEvent); },
    });
  }

  get where(): string {
    return this.child.where;
  }

  async call<K extends GeneratorOp>(op: K, args: GeneratorOps[K][0], timeoutMs = 120_000): Promise<GeneratorOps[K][1]> {
    if (this.child.exited) throw this.child.exited;
    const reply = await this.child.request({ op, args }, timeoutMs).reply;
    if (reply.error !== undefined) throw new OperationError(`perf generator in ${this.where}: ${reply.error}`);
    return reply.result as GeneratorOps[K][1];
  }

  /** Ends the generator now (its sockets close with it) and waits until it is gone, at most waitMs. */
  async stop(waitMs = 3000): Promise<void> {
    this.child.stop();
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }
}
