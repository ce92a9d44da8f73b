import { netnsPathOf } from '../netcore/kernel/exec.js';
import { isLoopbackAddress } from '../netcore/bridge/resolvconf.js';
import type { ContainerRecord, HostState } from '../netcore/bridge/state/types.js';
import { servesNames } from './records.js';
import { parseUpstream, type Upstream } from './upstreams.js';

/**
 * Which upstreams a container's forwarded queries go to, and from which
 * namespace, by Docker's rules (libnetwork's resolver):
 * - a container's own `--dns` servers replace the host's, and are dialled
 *   from inside the container's namespace, loopback ones included (a
 *   `--dns 127.0.0.1` reaches the container's own loopback);
 * - the host's loopback upstreams are dialled from the host namespace
 *   ("host loopback"), its other upstreams from inside the container;
 * - a container whose networks are all `--internal` never has its queries
 *   sent from the host namespace: only upstreams dialled inside the container
 *   are tried (and they fail unless reachable on-net).
 * Pure: built from one state snapshot and the host's upstream list.
 */
export interface ForwardTarget {
  upstream: Upstream;
  /** the namespace the query is sent from; null: the server's own (the host's) */
  netnsPath: string | null;
}

export class ForwardRoutes {
  private readonly byClient = new Map<string, ForwardTarget[]>();
  private readonly fallback: ForwardTarget[];
  /** every container namespace some route dials from */
  readonly namespaces: ReadonlySet<string>;

  constructor(state: HostState | null, hostUpstreams: Upstream[]) {
    this.fallback = hostUpstreams.map((upstream) => ({ upstream, netnsPath: null }));
    const namespaces = new Set<string>();
    for (const c of Object.values(state?.containers ?? {})) {
      const targets = targetsOf(c, state!, hostUpstreams);
      for (const t of targets) if (t.netnsPath) namespaces.add(t.netnsPath);
      for (const ep of c.endpoints) if (ep.ipv4) this.byClient.set(ep.ipv4, targets);
    }
    this.namespaces = namespaces;
  }

  /** The targets for a querier, in order; an unknown one gets the host's upstreams, dialled from the host. */
  for(client: string): ForwardTarget[] {
    return this.byClient.get(client) ?? this.fallback;
  }
}

function targetsOf(c: ContainerRecord, state: HostState, hostUpstreams: Upstream[]): ForwardTarget[] {
  const inside = c.netns ? netnsPathOf(c.netns) : null;
  if (c.dns.length) return explicitUpstreams(c.dns).map((upstream) => ({ upstream, netnsPath: inside }));
  const networks = c.endpoints.map((ep) => state.networks[ep.network]).filter((n) => n && servesNames(n));
  const internalOnly = networks.length > 0 && networks.every((n) => n!.internal);
  const out: ForwardTarget[] = [];
  for (const upstream of hostUpstreams) {
    const hostLoopback = isLoopbackAddress(upstream.address);
    if (hostLoopback && internalOnly) continue;
    out.push({ upstream, netnsPath: hostLoopback ? null : inside });
  }
  return out;
}

function explicitUpstreams(dns: string[]): Upstream[] {
  const out: Upstream[] = [];
  for (const d of dns) {
    try {
      out.push(parseUpstream(d));
    } catch {
      // validated when the container was made; an odd entry in a hand-edited state is skipped
    }
  }
  return out;
}
