import { netnsPathFor, type Where } from './exec.js';
import { ipJson } from './ip-json.js';
import * as netlink from './rtnl/read.js';

/** The IPv4 addresses of a namespace, the one reader of them: over netlink where the addon can, else `ip -j -4 addr show`. */
export type Address = netlink.RtAddress;

interface IpAddrLink { ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

/** Each IPv4 address with its link, in link order (loopback included: callers filter). */
export async function readIpv4Addresses(at: Where = {}): Promise<Address[]> {
  if (netlink.rtnlAvailable()) return netlink.readIpv4Addresses(netnsPathFor(at));
  const links = await ipJson<IpAddrLink>(['-4', 'addr', 'show'], at);
  return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => ({ ifname: l.ifname, address: a.local, prefixLen: a.prefixlen })));
}
