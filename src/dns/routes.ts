import { netnsPathOf } from '../netcore/kernel/exec.js';
import { dialledFromHost } from '../netcore/bridge/resolvconf.js';
import type { ContainerRecord, HostState } from '../netcore/bridge/state/types.js';
import { endpointAddresses, servesNames } from './records.js';
import { parseUpstream, type Upstream } from './upstreams.js';

/**
 * Which upstreams a container's forwarded queries go to, and from which
 * namespace, by Docker's rules (libnetwork's resolver):
 * - a container's own `--dns` servers replace the host's, and are dialled
 *   from inside the container's namespace, loopback ones included (a
 *   `--dns 127.0.0.1` reaches the container's own loopback);
 * - the host's loopback upstreams are dialled from the host namespace
 *   ("host loopback"), and so are its IPv6 upstreams for a container without
 *   IPv6 and zoned ones (fe80::1%eth0); its other upstreams from inside the
 *   container (resolvconf.ts dialledFromHost);
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
      for (const ep of c.endpoints) for (const ip of endpointAddresses(ep)) this.byClient.set(ip, targets);
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
  const hasIpv6 = c.endpoints.some((ep) => !!ep.ipv6);
  const out: ForwardTarget[] = [];
  for (const upstream of hostUpstreams) {
    const fromHost = dialledFromHost(upstream.address, hasIpv6);
    if (fromHost && internalOnly) continue;
    out.push({ upstream, netnsPath: fromHost ? null : inside });
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
