import { readLinks, type Link } from '../netcore/kernel/links.js';
import { readOffloads } from '../netcore/kernel/offloads.js';
import { readQdiscs, type Qdisc } from '../netcore/kernel/qdiscs.js';
import type { Where } from '../netcore/kernel/exec.js';
import type { InvContainer, InvEndpoint } from '../diag/inventory/types.js';
import type { Hop } from './types.js';

/** One end of the path: the container, its namespace, and its endpoint on the shared network (null: host networking). */
export interface PathEnd {
  c: InvContainer;
  netnsPath: string | null;
  ep: InvEndpoint | null;
}

interface Place { where: string; at: Where }

/**
 * Every link of the path in packet order (FROM's eth, its host veth end, the
 * bridge, TO's host veth end, TO's eth), each with its MTU, offloads and
 * root qdisc, read in the namespace it lives in. Links and qdiscs are read
 * once per namespace; offloads per link (ethtool).
 */
export async function readHops(from: PathEnd, to: PathEnd, bridge: string | null, hostNetns: string | null): Promise<Hop[]> {
  const host: Place = { where: 'host', at: { netns: hostNetns } };
  const wanted: Array<{ place: Place; role: string; pick: (links: Link[]) => Link | undefined }> = [];
  const end = (e: PathEnd, side: 'from' | 'to') => {
    if (!e.ep) return [];
    const inside: Place = { where: e.c.name, at: { netnsPath: e.netnsPath } };
    const mac = e.ep.mac?.toLowerCase();
    const eth = { place: inside, role: `${side}-eth`, pick: (ls: Link[]) => ls.find((l) => mac && l.address === mac) ?? ls.find((l) => l.ifname === 'eth0') };
    const veth = e.ep.hostIf ? [{ place: host, role: `${side}-veth`, pick: (ls: Link[]) => ls.find((l) => l.ifname === e.ep!.hostIf) }] : [];
    return side === 'from' ? [eth, ...veth] : [...veth, eth];
  };
  wanted.push(...end(from, 'from'));
  if (bridge) wanted.push({ place: host, role: 'bridge', pick: (ls) => ls.find((l) => l.ifname === bridge) });
  wanted.push(...end(to, 'to'));

  const byPlace = new Map<string, Promise<{ links: Link[]; qdiscs: Qdisc[] }>>();
  const readPlace = (p: Place) => {
    const key = `${p.at.netns ?? ''}|${p.at.netnsPath ?? ''}`;
    let r = byPlace.get(key);
    if (!r) {
      r = Promise.all([readLinks(p.at).catch(() => [] as Link[]), readQdiscs(p.at)]).then(([links, qdiscs]) => ({ links, qdiscs }));
      byPlace.set(key, r);
    }
    return r;
  };
  const hops = await Promise.all(wanted.map(async (w): Promise<Hop | null> => {
    const { links, qdiscs } = await readPlace(w.place);
    const link = w.pick(links);
    if (!link) return null;
    const q = qdiscs.find((x) => x.dev === link.ifname);
    return {
      where: w.place.where,
      dev: link.ifname,
      role: w.role,
      mtu: link.mtu,
      offloads: await readOffloads(link.ifname, w.place.at),
      qdisc: q ? { kind: q.kind, rateBps: q.rateBps } : null,
    };
  }));
  return hops.filter((h): h is Hop => h !== null);
}
