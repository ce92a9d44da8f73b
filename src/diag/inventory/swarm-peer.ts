import type { InvContainer, SwarmView } from './types.js';

/**
 * A container that runs on another node of the swarm, as this engine's
 * overlay networks list it (verbose network inspect): its name, its address
 * on each overlay and its node. There is no namespace of it on this node, so
 * probes go to it, never run in it.
 */
export function remoteContainer(view: SwarmView, name: string): InvContainer | null {
  const found = view.overlays.flatMap((o) =>
    o.endpoints.filter((e) => e.name === name && e.node !== view.self).map((e) => ({ network: o.network, ...e })));
  if (!found.length) return null;
  const node = found[0]!.node;
  return {
    backend: 'docker', id: '', name, running: true, pid: null, netnsPath: null, networkMode: found[0]!.network,
    endpoints: found.filter((e) => e.node === node).map((e) => ({
      network: e.network, networkId: '', ipv4: e.ipv4, prefixLen: null, mac: null, aliases: [], hostIf: null,
    })).sort((a, b) => a.network.localeCompare(b.network)),
    published: [], resolvConfPath: null, status: `running on swarm node ${node}`, node,
  };
}
