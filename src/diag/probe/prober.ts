import { config } from '../../config.js';
import { ProbeAgent } from './client.js';
import { canMakeSocketsIn, NoSocketInNamespace, socketsHere, socketsIn, type SocketMaker } from '../../netcore/kernel/netns-socket.js';
import * as inNamespace from './ns-ops.js';
import * as ops from './ops.js';
import type { AgentOps, ConnectArgs, OpName, PingArgs, ResolveArgs } from './protocol.js';

export interface ProberOptions {
  /**
   * false: resolve, ping, connect and the listening sockets of a named
   * namespace go to the agent (as TSDIAG_NATIVE=-probe-sockets makes them); true, the
   * default: they run from this process where they can.
   */
  fromHere?: boolean;
}

/**
 * The probes of one namespace, all run from outside at once where they can:
 * the read-only ones (links, routes, neighbours, files; listening sockets
 * from /proc/<pid>/net, or read by a `tail` started in a namespace only a
 * path names), and the ones that need a socket inside: resolve and connect
 * on a socket made in the namespace (the tsdiag-native addon's socketIn),
 * ping as the system's ping started in it (exec.ts). What cannot (no
 * addon, a socket the kernel refuses there, a host name rather than an
 * address, TSDIAG_NATIVE=-probe-sockets) goes to a probe agent started in the
 * namespace on first need, or earlier with startAgent(); it answers in the
 * same shape.
 */
export class NamespaceProber {
  private agent: ProbeAgent | null = null;
  private readonly sockets: SocketMaker | null;
  private readonly fromHere: boolean;

  /** `onAgentStart` is told each time an agent starts (for tracing) */
  constructor(readonly netnsPath: string | null, private readonly onAgentStart: (a: ProbeAgent) => void = () => undefined, options: ProberOptions = {}) {
    this.fromHere = options.fromHere ?? probesFromHere();
    this.sockets = !this.fromHere ? null : netnsPath === null ? socketsHere : socketsIn(netnsPath);
  }

  /** true: a prober of any namespace answers every probe without an agent (unless a namespace refuses a socket) */
  static needsNoAgent(): boolean {
    return probesFromHere() && canMakeSocketsIn();
  }

  get where(): string {
    return this.netnsPath ?? 'the host namespace';
  }

  /** true: every probe but resolve, ping and connect is answered without an agent */
  get readsFromOutside(): boolean {
    return procNetOf(this.netnsPath) !== null || this.fromHere;
  }

  /** true: resolve, ping and connect are answered without an agent (unless the namespace refuses a socket) */
  get sendsFromOutside(): boolean {
    return this.sockets !== null;
  }

  /** true once an agent runs in the namespace for this prober */
  get hasAgent(): boolean {
    return this.agent !== null;
  }

  startAgent(): ProbeAgent {
    if (!this.agent) {
      this.agent = ProbeAgent.start(this.netnsPath);
      this.onAgentStart(this.agent);
    }
    return this.agent;
  }

  call<K extends OpName>(op: K, args: AgentOps[K][0]): Promise<AgentOps[K][1]> {
    const here = this.fromOutside(op, args) ?? this.insideFromHere(op, args);
    const answer = here ?? this.startAgent().call(op, args);
    return answer.catch((err: unknown) => {
      if (err instanceof NoSocketInNamespace) return this.startAgent().call(op, args);
      throw err;
    }) as Promise<AgentOps[K][1]>;
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
      case 'addresses': return inNamespace.addresses(at, (args as { family?: 4 | 6 } | undefined)?.family);
      case 'routes': return inNamespace.routes(at, (args as { family?: 4 | 6 } | undefined)?.family);
      case 'readFile': return inNamespace.readFile(args as { path: string });
      case 'dadStates': {
        const procNet = procNetOf(this.netnsPath);
        if (procNet) return inNamespace.dadStates(procNet);
        return this.fromHere && this.netnsPath ? inNamespace.dadStatesAt(this.netnsPath) : null;
      }
      case 'listening': {
        const procNet = procNetOf(this.netnsPath);
        if (procNet) return inNamespace.listening(procNet);
        return this.fromHere && this.netnsPath ? inNamespace.listeningAt(this.netnsPath) : null;
      }
      default: return null;
    }
  }

  /** The probes that need a socket or a process inside the namespace, without an agent; null: the agent's. */
  private insideFromHere(op: OpName, args: unknown): Promise<unknown> | null {
    if (!this.fromHere) return null;
    switch (op) {
      case 'ping': return ops.ping(args as PingArgs, { netnsPath: this.netnsPath });
      case 'resolve': return this.sockets ? ops.resolve(args as ResolveArgs, this.sockets) : null;
      case 'connect': return this.sockets ? ops.connect(args as ConnectArgs, this.sockets) : null;
      default: return null;
    }
  }
}

/** TSDIAG_NATIVE=-probe-sockets leaves every probe that needs something inside a namespace to an agent */
function probesFromHere(): boolean {
  return config().native.probeSockets;
}

/** /proc/<pid>/net shows the namespace of that process; the caller's own is /proc/self/net */
function procNetOf(netnsPath: string | null): string | null {
  if (netnsPath === null) return '/proc/self/net';
  const pid = /^\/proc\/(\d+)\/ns\/net$/.exec(netnsPath)?.[1];
  return pid ? `/proc/${pid}/net` : null;
}
