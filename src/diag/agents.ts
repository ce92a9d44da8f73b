import type { ProbeAgent } from './probe/client.js';
import { NamespaceProber } from './probe/prober.js';
import { abandonConnects } from './probe/tcp-close.js';
import type { InventoryProvider } from './inventory/types.js';
import { trace, tracing } from '../netcore/kernel/trace.js';

/**
 * The probes of one doctor run, one prober per namespace, kept until
 * close(). A pool can be made, and its agents started, before the run
 * itself: an agent's start, when one is needed, is most of a run's time.
 */
export class AgentPool {
  private readonly probers = new Map<string, NamespaceProber>();

  /** The prober of a namespace (null: the machine's own). */
  get(netnsPath: string | null): NamespaceProber {
    const key = netnsPath ?? '';
    let p = this.probers.get(key);
    if (!p) {
      p = new NamespaceProber(netnsPath, traceAgent);
      this.probers.set(key, p);
    }
    return p;
  }

  /**
   * Starts the agent of a namespace now when it will be needed: for one that
   * sends probes when they cannot be sent from this process (no addon), for
   * one only looked at (its listening sockets) when it cannot be read from
   * outside.
   */
  warm(netnsPath: string | null, sends: boolean): void {
    const p = this.get(netnsPath);
    if (sends ? !p.sendsFromOutside : !p.readsFromOutside) p.startAgent();
  }

  close(): void {
    abandonConnects(); // the probes this process sent itself (the agents' own end with them)
    for (const p of this.probers.values()) p.close();
    this.probers.clear();
  }
}

function traceAgent(a: ProbeAgent): void {
  trace(`agent started in ${a.where}`);
  if (tracing) void a.call('readFile', { path: '/nonexistent' }).then(() => trace(`agent answers in ${a.where}`), () => undefined);
}

/**
 * Starts the agent of FROM (it sends the probes) and, when needed, of TO as
 * soon as the backend can say where their namespaces are, before the run
 * loads its checks and inventory. Never fails: a name it cannot place gets
 * its agent later, if at all. Where every probe runs from this process (the
 * usual case) there is nothing to start, and the backend is not asked.
 */
export async function startAgentsEarly(pool: AgentPool, inventory: Pick<InventoryProvider, 'namespacesOf'>, names: [string, string]): Promise<void> {
  if (NamespaceProber.needsNoAgent()) return;
  const [from, to] = (await inventory.namespacesOf?.(names).catch(() => null)) ?? [];
  if (from) pool.warm(from, true);
  if (to) pool.warm(to, false);
}
