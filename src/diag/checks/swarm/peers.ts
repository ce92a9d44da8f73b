import type { FdbEntry, NeighbourEntry, VxlanLink } from '../../host-reader.js';
import type { SwarmView } from '../../inventory/types.js';

/**
 * The other nodes of an overlay, read the way its data plane knows them: a
 * VXLAN link's `remote`, and the forwarding entries that send a MAC to a
 * tunnel endpoint (`bridge fdb ... dst NODE`). Containers on other nodes are
 * the permanent neighbour entries an overlay's control plane writes on the
 * VXLAN link (IP -> MAC), located by the MAC's forwarding entry.
 */
export interface RemoteContainer { address: string; mac: string | null }

export interface SwarmNode {
  address: string;
  /** the VXLAN link(s) that reach it: "vxlan4096 (VNI 4096, udp 4789)" */
  links: string[];
  /** the UDP port its data plane uses (4789 unless --data-path-port) */
  dataPort: number;
  /** the bridge the link is a port of: the overlay network's on this node */
  bridge: string | null;
  /** the overlay network the containers are on, when the engine names it (Docker) */
  network?: string | null;
  /** whether it is a manager (listens on 2377); null or absent: unknown, probed as one */
  manager?: boolean | null;
  containers: RemoteContainer[];
}

export function swarmNodes(links: VxlanLink[], fdb: FdbEntry[], neighbours: NeighbourEntry[]): SwarmNode[] {
  const nodes = new Map<string, SwarmNode>();
  const nodeFor = (address: string, link: VxlanLink): SwarmNode => {
    let n = nodes.get(address);
    if (!n) {
      n = { address, links: [], dataPort: link.dstport, bridge: link.master, containers: [] };
      nodes.set(address, n);
    }
    const label = `${link.ifname} (VNI ${link.vni}, udp ${link.dstport})`;
    if (!n.links.includes(label)) n.links.push(label);
    return n;
  };
  for (const link of links) {
    const dsts = fdb.filter((e) => e.dev === link.ifname && e.dst).map((e) => e.dst!);
    for (const address of new Set([...(link.remote ? [link.remote] : []), ...dsts])) {
      if (address === '0.0.0.0' || address.includes(':') || /^(22[4-9]|23\d)\./.test(address)) continue; // multicast groups are not nodes
      const node = nodeFor(address, link);
      for (const nb of neighbours.filter((x) => x.dev === link.ifname)) {
        const where = fdb.find((e) => e.dev === link.ifname && e.mac === nb.lladdr)?.dst ?? link.remote;
        if (where === address && !node.containers.some((c) => c.address === nb.dst)) node.containers.push({ address: nb.dst, mac: nb.lladdr });
      }
    }
  }
  return [...nodes.values()];
}

/**
 * The other nodes as the engine's API reports them (Docker: its overlays'
 * VXLAN devices sit in namespaces of their own, out of the host's sight).
 * Containers on a node are those of the first overlay that has containers
 * both there and on this node: the ones an overlay ping can reach.
 */
export function swarmNodesOfEngine(view: SwarmView): SwarmNode[] {
  return view.members.map((m) => {
    const overlays = view.overlays.filter((o) => o.nodes.includes(m.address));
    const shared = overlays.find((o) => o.endpoints.some((e) => e.node === m.address) && o.endpoints.some((e) => e.node === view.self));
    return {
      address: m.address, manager: m.manager, dataPort: view.dataPort, bridge: null, network: shared?.network ?? null,
      links: overlays.map((o) => `overlay ${o.network} (VNI ${o.vnis.join(',') || '?'}, udp ${view.dataPort})`),
      containers: (shared?.endpoints ?? []).filter((e) => e.node === m.address).map((e) => ({ address: e.ipv4, mac: null })),
    };
  });
}
