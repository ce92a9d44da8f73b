import { netnsPathFor, type Where } from './exec.js';
import { ipJson } from './ip-json.js';
import * as netlink from './rtnl/read.js';

/** The IPv4 and IPv6 addresses of a namespace, the one reader of them: over netlink where the addon can, else `ip -j -4|-6 addr show`. */
export type Address = netlink.RtAddress;

interface IpAddrLink { ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

/** Each IPv4 address with its link, in link order (loopback included: callers filter). */
export const readIpv4Addresses = (at: Where = {}): Promise<Address[]> => readAddresses(at, 4);

/** Each IPv6 address with its link (link-local included: a link without even that has IPv6 disabled). */
export const readIpv6Addresses = (at: Where = {}): Promise<Address[]> => readAddresses(at, 6);

async function readAddresses(at: Where, family: 4 | 6): Promise<Address[]> {
  if (netlink.rtnlAvailable()) return netlink.readAddresses(netnsPathFor(at), family);
  const links = await ipJson<IpAddrLink>([`-${family}`, 'addr', 'show'], at);
  const inet = family === 6 ? 'inet6' : 'inet';
  return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === inet).map((a) => ({ ifname: l.ifname, address: a.local, prefixLen: a.prefixlen })));
}
