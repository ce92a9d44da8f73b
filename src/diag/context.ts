import type { NamespaceProber } from './probe/prober.js';
import { OperationError } from '../netcore/errors.js';
import { netnsPathOf } from '../netcore/kernel/exec.js';
import type { InvContainer, InvEndpoint, InvNetwork, InventoryProvider } from './inventory/types.js';
import type { ServicePick } from './inventory/service-names.js';
import { HostReader } from './host-reader.js';
import { Memo, Tidings } from './memo.js';
import { AgentPool } from './agents.js';
import { addressIn, sharedFamilies, type Family } from './families.js';

export interface DoctorTarget {
  fromName: string;
  toName: string;
  from: InvContainer | null;
  to: InvContainer | null;
  /** every container and network the backend knows */
  containers: InvContainer[];
  networks: InvNetwork[];
  port: number | null;
  /** the compose services FROM and TO were asked by (fromName, toName: the containers taken), when either was */
  services?: { from: ServicePick | null; to: ServicePick | null };
}

/**
 * What a doctor run knows and can ask: the two containers, the backend's
 * inventory, the probes of each namespace (an agent starts in one only for
 * what needs a socket inside, kept for the run), and the host's facts (ctx.host, read once per run).
 */
export class DoctorContext {
  /** the run's one cache: host readings (see HostReader) and probe outcomes alike */
  private readonly memo = new Memo();
  /** what a check learnt mid-run that another may stop waiting on */
  readonly tidings = new Tidings();
  private portAsked = false;
  readonly host: HostReader;

  constructor(
    readonly target: DoctorTarget, readonly inventory: InventoryProvider, readonly options: { swarm?: boolean } = {},
    private readonly agents = new AgentPool(),
  ) {
    this.host = new HostReader(inventory.hostNetns, this.memo, () => this.agentFor(inventory.hostNetns ? netnsPathOf(inventory.hostNetns) : null));
  }

  get backend(): string {
    return this.inventory.backend;
  }

  /** The probes of a namespace (null: the machine's own): read-only ones from outside, the rest through its agent. */
  agentFor(netnsPath: string | null): NamespaceProber {
    return this.agents.get(netnsPath);
  }

  /** The probes of a container's namespace (the host's for --network host); none for a peer on another swarm node. */
  agentIn(c: InvContainer): NamespaceProber {
    if (c.node) throw new OperationError(`${c.name} runs on swarm node ${c.node}: its namespace can be read only there (run the doctor on that node)`);
    return this.agentFor(this.netnsOf(c));
  }

  private netnsOf(c: InvContainer): string | null {
    return c.netnsPath ?? (this.inventory.hostNetns ? netnsPathOf(this.inventory.hostNetns) : null);
  }

  /**
   * Starts the agents a run needs at once: FROM's when its probes cannot be
   * sent from this process, and TO's only when TO cannot be read from
   * outside. An agent's start is most of the time of a run that needs one.
   */
  warmUp(): void {
    const { from, to } = this.target;
    if (from?.running && !from.node) this.agents.warm(this.netnsOf(from), true);
    if (to?.running && !to.node) this.agents.warm(this.netnsOf(to), false);
  }

  /**
   * The TCP port to test: --port, else the first one the peer publishes, else
   * the lowest it listens on. Read when a check first asks, so the checks that
   * need no port never wait for the peer's agent.
   */
  peerPort(): Promise<number | null> {
    this.portAsked = true;
    return this.once('peer-port', async () => this.target.port ?? (await this.portFromPeer()));
  }

  /** The port the report names: the one the checks used, if any asked. */
  reportedPort(): Promise<number | null> {
    return this.portAsked ? this.peerPort() : Promise.resolve(this.target.port);
  }

  private async portFromPeer(): Promise<number | null> {
    const to = this.target.to;
    if (!to?.running || to.node) return null;
    if (to.published.length) return to.published[0]!.containerPort;
    const sockets = await this.agentIn(to).call('listening', {}).catch(() => []);
    const ports = sockets.filter((s) => s.proto.startsWith('tcp')).map((s) => s.port).sort((a, b) => a - b);
    return ports[0] ?? null;
  }

  /** Computes an outcome once per run (a probe's result, the engine's swarm view): host facts are ctx.host's. */
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

  /** The address to probe the peer at in a family: on a shared network, else its first address. */
  peerAddress(family: Family = 4): string | null {
    return addressIn(this.sharedEndpoints()[0]?.to, family) ?? addressIn(this.target.to?.endpoints[0], family);
  }

  /**
   * The families the pair shares on its first shared network, IPv4 first
   * (none shared: IPv4, so that the IPv4 checks say what is missing).
   */
  families(): Family[] {
    const shared = this.sharedEndpoints()[0];
    const both = shared ? sharedFamilies(shared.from, shared.to) : [];
    return both.length ? both : [4];
  }

  close(): void {
    this.agents.close();
  }
}
