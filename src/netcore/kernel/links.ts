import { netnsPathFor, type Where } from './exec.js';
import { ipJson, ipJsonNow } from './ip-json.js';
import * as netlink from './rtnl/read.js';

/**
 * The links of a namespace, the one reader of them: over routing netlink
 * (rtnl/read.ts) where the addon can, else `ip -d -j link show`, in one
 * record either way (test/integration/rtnl-parity.test.ts holds them equal).
 */
export type Link = netlink.RtLink;
export type VxlanData = netlink.RtVxlan;

const SHOW = ['-d', 'link', 'show'];

export async function readLinks(at: Where = {}): Promise<Link[]> {
  if (netlink.rtnlAvailable()) return netlink.readLinks(netnsPathFor(at));
  return (await ipJson<IpLink>(SHOW, at)).map(fromIp);
}

/** readLinks() of this process's own namespace, synchronously. */
export function readLinksNow(): Link[] {
  if (netlink.rtnlAvailable()) return netlink.readLinks(null);
  return ipJsonNow<IpLink>(SHOW).map(fromIp);
}

interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  operstate: string;
  address?: string;
  master?: string;
  link_index?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; remote?: string; local?: string; port?: number; stp_state?: number }; info_slave_kind?: string; info_slave_data?: { state?: string } };
}

function fromIp(l: IpLink): Link {
  const kind = l.linkinfo?.info_kind ?? null;
  const d = l.linkinfo?.info_data ?? {};
  return {
    ifindex: l.ifindex,
    // `ip` names a veth `eth0@if7` only in text output; JSON keeps the plain name
    ifname: l.ifname,
    mtu: l.mtu,
    operstate: l.operstate,
    kind,
    address: l.address?.toLowerCase() ?? null,
    master: l.master ?? null,
    linkIndex: l.link_index ?? null,
    vxlan: kind === 'vxlan' ? { vni: d.id ?? 0, remote: d.remote ?? null, local: d.local ?? null, dstport: d.port ?? 4789 } : null,
    up: l.flags?.includes('UP') ?? false,
    carrier: l.flags?.includes('LOWER_UP') ?? false,
    noarp: l.flags?.includes('NOARP') ?? false,
    portState: l.linkinfo?.info_slave_kind === 'bridge' ? (l.linkinfo.info_slave_data?.state ?? null) : null,
    stp: kind === 'bridge' ? (d.stp_state ?? 0) !== 0 : null,
  };
}
