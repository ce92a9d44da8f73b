import { ProbeAgent } from './client.js';
import * as inNamespace from './ns-ops.js';
import type { AgentOps, OpName } from './protocol.js';

/**
 * The probes of one namespace. The read-only ones (links, routes,
 * neighbours, files, and the listening sockets of a namespace that a process
 * id names) run from outside at once; the ones that need a socket inside
 * (resolve, ping, connect) go to a probe agent started in the namespace on
 * first need, or earlier with startAgent(). A peer that is only looked at
 * never costs an agent's start.
 */
export class NamespaceProber {
  private agent: ProbeAgent | null = null;

  /** `onAgentStart` is told each time an agent starts (for tracing) */
  constructor(readonly netnsPath: string | null, private readonly onAgentStart: (a: ProbeAgent) => void = () => undefined) {}

  get where(): string {
    return this.netnsPath ?? 'the host namespace';
  }

  /** true: every probe but resolve, ping and connect is answered without an agent */
  get readsFromOutside(): boolean {
    return procNetOf(this.netnsPath) !== null;
  }

  startAgent(): ProbeAgent {
    if (!this.agent) {
      this.agent = ProbeAgent.start(this.netnsPath);
      this.onAgentStart(this.agent);
    }
    return this.agent;
  }

  call<K extends OpName>(op: K, args: AgentOps[K][0]): Promise<AgentOps[K][1]> {
    return (this.fromOutside(op, args) ?? this.startAgent().call(op, args)) as Promise<AgentOps[K][1]>;
  }

  close(): void {
    this.agent?.close();
  }

  private fromOutside(op: OpName, args: unknown): Promise<unknown> | null {
    const at = { netnsPath: this.netnsPath };
    switch (op) {
      case 'links': return inNamespace.links(at);
      case 'routeGet': return inNamespace.routeGet((args as { addr: string }).addr, at);
      case 'neigh': return inNamespace.neigh(at);
      case 'readFile': return inNamespace.readFile(args as { path: string });
      case 'listening': {
        const procNet = procNetOf(this.netnsPath);
        return procNet ? inNamespace.listening(procNet) : null;
      }
      default: return null;
    }
  }
}

/** /proc/<pid>/net shows the namespace of that process; the caller's own is /proc/self/net */
function procNetOf(netnsPath: string | null): string | null {
  if (netnsPath === null) return '/proc/self/net';
  const pid = /^\/proc\/(\d+)\/ns\/net$/.exec(netnsPath)?.[1];
  return pid ? `/proc/${pid}/net` : null;
}
