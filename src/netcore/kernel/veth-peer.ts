import type { Where } from './exec.js';
import { readLinks } from './links.js';

/** Where to look: a named namespace (null: the machine's own) or a namespace file. */
export type LinkScope = Where;

export interface LinkSummary {
  ifindex: number;
  ifname: string;
  mac: string | null;
  /** ifindex of the other end of a veth (in the namespace `link_netnsid` names), when there is one */
  peerIfindex: number | null;
  /** the bridge this link is attached to */
  master: string | null;
}

export async function listLinks(scope: LinkScope): Promise<LinkSummary[]> {
  return (await readLinks(scope)).map((l) => ({ ifindex: l.ifindex, ifname: l.ifname, mac: l.address, peerIfindex: l.linkIndex, master: l.master }));
}

/**
 * Pairs each veth inside a container with its host end: the container end's
 * peer ifindex names a link in the host namespace, and that link's own peer
 * must point back (a cross-check, since ifindexes repeat across namespaces).
 * Returns host interface names keyed by the container end's MAC address.
 */
export function hostEndsByMac(containerLinks: LinkSummary[], hostLinks: LinkSummary[]): Map<string, string> {
  const hostByIndex = new Map(hostLinks.map((l) => [l.ifindex, l]));
  const result = new Map<string, string>();
  for (const inner of containerLinks) {
    if (inner.peerIfindex === null || inner.mac === null) continue;
    const outer = hostByIndex.get(inner.peerIfindex);
    if (outer && outer.peerIfindex === inner.ifindex) result.set(inner.mac, outer.ifname);
  }
  return result;
}

/** The host ends of a container's veths, keyed by the container end's MAC. */
export async function findHostVethEnds(containerNetnsPath: string, hostNetns: string | null): Promise<Map<string, string>> {
  const [inner, outer] = await Promise.all([
    listLinks({ netnsPath: containerNetnsPath }),
    listLinks({ netns: hostNetns }),
  ]);
  return hostEndsByMac(inner, outer);
}
