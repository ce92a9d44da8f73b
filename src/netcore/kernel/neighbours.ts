import { netnsPathFor, type Where } from './exec.js';
import { ipJson } from './ip-json.js';
import * as netlink from './rtnl/read.js';

/**
 * The neighbour table and the bridge forwarding database of a namespace, the
 * one reader of each: neighbours over netlink where the addon can, else
 * `ip -j neigh show`; forwarding entries with `bridge -j fdb show`.
 */
export type Neighbour = netlink.RtNeighbour;
export type NeighbourFilter = netlink.NeighbourFilter;

export async function readNeighbours(at: Where = {}, filter: NeighbourFilter = {}): Promise<Neighbour[]> {
  if (netlink.rtnlAvailable()) return netlink.readNeighbours(netnsPathFor(at), filter);
  const args = [...(filter.ipv4Only ? ['-4'] : []), 'neigh', 'show', ...(filter.permanentOnly ? ['nud', 'permanent'] : [])];
  return (await ipJson<Record<string, any>>(args, at)).map((n) => ({ dst: n.dst, dev: n.dev, state: n.state ?? [], lladdr: n.lladdr ?? null }));
}

export interface FdbEntry { mac: string; dev: string; dst: string | null }

/** Bridge forwarding entries that name a tunnel endpoint (`dst`): where a VXLAN sends a MAC. */
export async function readTunnelFdb(at: Where = {}): Promise<FdbEntry[]> {
  return (await ipJson<Record<string, any>>(['fdb', 'show'], at, 'bridge'))
    .filter((e) => e.dst && e.ifname)
    .map((e) => ({ mac: e.mac, dev: e.ifname, dst: e.dst }));
}
