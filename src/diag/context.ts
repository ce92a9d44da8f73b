import { ProbeAgent } from '../netcore/agent/client.js';
import { netnsPathOf } from '../netcore/exec.js';
import type { InvContainer, InvEndpoint, InvNetwork, InventoryProvider } from './inventory/types.js';
import { HostProbes } from './host-probes.js';
import { Memo } from './memo.js';

export interface DoctorTarget {
  fromName: string;
  toName: string;
  from: InvContainer | null;
  to: InvContainer | null;
  /** every container and network the backend knows */
  containers: InvContainer[];
  networks: InvNetwork[];
  port: number | null;
}

/**
 * What a doctor run knows and can ask: the two containers, the backend's
 * inventory, one probe agent per namespace (started on first use, kept for the
 * run), and the host's facts (memoized: every check that needs the iptables
 * rules gets the same reading).
 */
export class DoctorContext {
  private readonly agents = new Map<string, ProbeAgent>();
  private readonly memo = new Memo();
  readonly host: HostProbes;

  constructor(readonly target: DoctorTarget, readonly inventory: InventoryProvider, readonly options: { swarm?: boolean } = {}) {
    this.host = new HostProbes(inventory.hostNetns, () => this.agentFor(inventory.hostNetns ? netnsPathOf(inventory.hostNetns) : null));
  }

  get backend(): string {
    return this.inventory.backend;
  }

  /** The agent in a namespace (null: the machine's own). */
  agentFor(netnsPath: string | null): ProbeAgent {
    const key = netnsPath ?? '';
    let a = this.agents.get(key);
    if (!a) {
      a = ProbeAgent.start(netnsPath);
      this.agents.set(key, a);
    }
    return a;
  }

  /** The agent inside a container's namespace (the host's for --network host). */
  agentIn(c: InvContainer): ProbeAgent {
    return this.agentFor(c.netnsPath ?? (this.inventory.hostNetns ? netnsPathOf(this.inventory.hostNetns) : null));
  }

  /** Starts the agents of both containers at once: their start-up is most of a healthy run's time. */
  warmUp(): void {
    for (const c of [this.target.from, this.target.to]) if (c?.running) this.agentIn(c);
  }

  /** Computes a fact once per run. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.memo.once(key, fn);
  }

  networkNamed(name: string): InvNetwork | undefined {
    return this.target.networks.find((n) => n.name === name);
  }

  /** Endpoints of `to` on networks that `from` shares, in `from`'s order. */
  sharedEndpoints(): Array<{ network: string; from: InvEndpoint; to: InvEndpoint }> {
    const { from, to } = this.target;
    if (!from || !to) return [];
    const out: Array<{ network: string; from: InvEndpoint; to: InvEndpoint }> = [];
    for (const f of from.endpoints) {
      const t = to.endpoints.find((e) => e.network === f.network);
      if (t) out.push({ network: f.network, from: f, to: t });
    }
    return out;
  }

  /** The address to probe the peer at: on a shared network, else its first address. */
  peerAddress(): string | null {
    return this.sharedEndpoints()[0]?.to.ipv4 ?? this.target.to?.endpoints[0]?.ipv4 ?? null;
  }

  close(): void {
    for (const a of this.agents.values()) a.close();
    this.agents.clear();
  }
}
