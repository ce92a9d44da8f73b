import { run } from '../../netcore/kernel/exec.js';
import { formatIpv4, lastAddress, parseCidr } from '../../netcore/ipv4.js';
import { formatIpv6, lastAddress6, parseCidr6 } from '../../netcore/ipv6.js';
import { readState } from '../../netcore/bridge/state/store.js';
import type { Fault, Lab } from '../types.js';

/**
 * S5: db moves behind a router. Its veth's host end leaves the bridge for a
 * router namespace, where it is a 1400-byte link (a VPN or tunnel the
 * containers do not know of); the router answers ARP for db on the bridge
 * (proxy ARP), so db keeps its address on network app and `doctor web db`
 * crosses the router. The router drops the ICMP "fragmentation needed" it
 * would send back: small packets pass, full-size ones vanish in both
 * directions (db's 1500-byte frames are dropped on the 1400-byte end of its
 * veth, which takes MTU + 4 bytes: from db the path MTU measures 1404).
 * On a dual-stack network the router is in db's IPv6 path too (proxy NDP for
 * db on the bridge, for the others on db's link) and sends its ICMPv6 Packet
 * Too Big: a bridge would ignore the IPv6 MTU, a routed hop does not.
 */
const TUNNEL_MTU = 1400;
const routerNetns = (lab: Lab) => `${lab.name}:mtu-router`;
const ROUTER_UPLINK = 'mtur0';
const DROP_FRAG_NEEDED = ['-p', 'icmp', '--icmp-type', 'fragmentation-needed', '-j', 'DROP'];

async function dbOnItsNetwork(lab: Lab) {
  const state = await readState(lab.host);
  const db = state.containers.db;
  const ep = db?.endpoints[0];
  const net = ep ? state.networks[ep.network] : undefined;
  if (!db || !ep?.hostIf || !net?.subnet || !net.device) throw new Error('S5 needs db on a bridge network');
  const onNet = Object.values(state.containers).filter((c) => c.netns && c.endpoints.some((e) => e.network === net.name));
  const neighbourTables = onNet.map((c) => c.netns!);
  const others6 = onNet.filter((c) => c.name !== 'db').map((c) => c.endpoints.find((e) => e.network === net.name)?.ipv6).filter((a): a is string => !!a);
  const ipv6 = net.subnet6 && ep.ipv6 ? { subnet: net.subnet6, peer: ep.ipv6, neighbours: [...(net.gateway6 ? [net.gateway6] : []), ...others6] } : undefined;
  return { ep: { ...ep, hostIf: ep.hostIf }, net: { ...net, subnet: net.subnet, device: net.device }, neighbourTables, ipv6 };
}

/** Where S5 is built: a host namespace, a peer's veth on a bridge there, and the namespaces that cache the peer's MAC. */
export interface MtuRouterSite {
  /** the namespace that plays the host (holds the bridge) */
  hostNetns: string;
  /** the router namespace to make */
  router: string;
  bridge: string;
  bridgeMtu: number;
  subnet: string;
  /** the host end of the peer's veth and the peer's address */
  hostIf: string;
  peerIpv4: string;
  /** namespaces (names or /run/netns/... paths) whose neighbour tables know the peer */
  neighbourTables: string[];
  /** a dual-stack network: its IPv6 subnet, the peer's IPv6 address and the addresses it talks to there (the gateway, the others) */
  ipv6?: MtuRouterSite6;
}

export interface MtuRouterSite6 { subnet: string; peer: string; neighbours: string[] }

const where = (ns: string) => (ns.startsWith('/') ? { netnsPath: ns } : { netns: ns });

/** Containers remember the peer's MAC (or the router's): forget it so the next packet asks again. */
async function forgetNeighbours(site: MtuRouterSite): Promise<void> {
  await Promise.all([
    ...site.neighbourTables.map((ns) => run('ip', ['neigh', 'flush', 'all'], { ...where(ns), reject: false })),
    run('ip', ['neigh', 'flush', 'dev', site.bridge], { netns: site.hostNetns, reject: false }),
  ]);
}

/** S5's mechanism on any bridge (the lab's, Docker's, Podman's): the peer behind a router, over a 1400-byte link, frag-needed dropped. */
export async function putBehindMtuRouter(site: MtuRouterSite): Promise<void> {
  const { router } = site;
  const subnet = parseCidr(site.subnet);
  const routerAddress = `${formatIpv4(lastAddress(subnet) - 1)}/${subnet.prefix}`;
  const host = (args: string[]) => run('ip', args, { netns: site.hostNetns });
  const inRouter = (cmd: string, args: string[]) => run(cmd, args, { netns: router });
  await run('ip', ['netns', 'add', router]);
  // before its links come: a link-local address DAD holds tentative cannot source the proxy's neighbour advertisements
  if (site.ipv6) await inRouter('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
  await inRouter('ip', ['link', 'set', 'lo', 'up']);
  await host(['link', 'add', ROUTER_UPLINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', router]);
  await host(['link', 'set', ROUTER_UPLINK, 'master', site.bridge, 'mtu', String(site.bridgeMtu), 'up']);
  await inRouter('ip', ['addr', 'add', routerAddress, 'dev', 'eth0']);
  await inRouter('ip', ['link', 'set', 'eth0', 'mtu', String(site.bridgeMtu), 'up']);
  await host(['link', 'set', site.hostIf, 'nomaster']);
  await host(['link', 'set', site.hostIf, 'netns', router]);
  await inRouter('ip', ['link', 'set', site.hostIf, 'mtu', String(TUNNEL_MTU), 'up']);
  await inRouter('ip', ['route', 'add', `${site.peerIpv4}/32`, 'dev', site.hostIf]);
  // proxy ARP answers after a random delay of up to 0.8 s by default: longer than the doctor's ping waits
  const proxyArp = [site.hostIf, 'eth0'].flatMap((dev) => [`net.ipv4.conf.${dev}.proxy_arp=1`, `net.ipv4.neigh.${dev}.proxy_delay=0`]);
  for (const key of ['net.ipv4.ip_forward=1', ...proxyArp]) await inRouter('sysctl', ['-qw', key]);
  for (const chain of ['OUTPUT', 'FORWARD']) await inRouter('iptables', ['-A', chain, ...DROP_FRAG_NEEDED]);
  if (site.ipv6) await routeIpv6(site, site.ipv6);
  await forgetNeighbours(site);
}

/**
 * The router in the IPv6 path: an address on the bridge side, db's /128 on
 * its link, proxy NDP both ways (IPv6 has no proxy for a whole link: one
 * entry per address answered). Its Packet Too Big goes back unfiltered.
 */
async function routeIpv6(site: MtuRouterSite, v6: MtuRouterSite6): Promise<void> {
  const inRouter = (cmd: string, args: string[]) => run(cmd, args, { netns: site.router });
  const subnet = parseCidr6(v6.subnet);
  await inRouter('ip', ['-6', 'addr', 'add', `${formatIpv6(lastAddress6(subnet) - 1n)}/${subnet.prefix}`, 'dev', 'eth0', 'nodad']);
  await inRouter('ip', ['-6', 'route', 'add', `${v6.peer}/128`, 'dev', site.hostIf]);
  const proxyNdp = [site.hostIf, 'eth0'].flatMap((dev) => [`net.ipv6.conf.${dev}.proxy_ndp=1`, `net.ipv6.neigh.${dev}.proxy_delay=0`]);
  for (const key of ['net.ipv6.conf.all.forwarding=1', ...proxyNdp]) await inRouter('sysctl', ['-qw', key]);
  await inRouter('ip', ['-6', 'neigh', 'add', 'proxy', v6.peer, 'dev', 'eth0']);
  for (const addr of v6.neighbours) await inRouter('ip', ['-6', 'neigh', 'add', 'proxy', addr, 'dev', site.hostIf]);
}

/** Undoes putBehindMtuRouter; never throws on a half-built site. */
export async function takeFromMtuRouter(site: MtuRouterSite): Promise<void> {
  await run('ip', ['link', 'set', site.hostIf, 'netns', site.hostNetns], { netns: site.router, reject: false });
  await run('ip', ['link', 'set', site.hostIf, 'mtu', String(site.bridgeMtu), 'master', site.bridge, 'up'], { netns: site.hostNetns, reject: false });
  await run('ip', ['netns', 'del', site.router], { reject: false });
  await run('ip', ['link', 'del', ROUTER_UPLINK], { netns: site.hostNetns, reject: false });
  await forgetNeighbours(site);
}

async function labSite(lab: Lab): Promise<MtuRouterSite> {
  const { ep, net, neighbourTables, ipv6 } = await dbOnItsNetwork(lab);
  return {
    hostNetns: lab.name, router: routerNetns(lab), bridge: net.device, bridgeMtu: net.mtu, subnet: net.subnet,
    hostIf: ep.hostIf, peerIpv4: ep.ipv4, neighbourTables, ...(ipv6 ? { ipv6 } : {}),
  };
}

export const s5PathMtu: Fault = {
  id: 'S5',
  check: 'path.mtu',
  description: `db behind a router namespace (proxy ARP on app's bridge) over a ${TUNNEL_MTU}-byte link; the router drops ICMP fragmentation-needed`,
  async apply(lab) {
    await putBehindMtuRouter(await labSite(lab));
  },
  async heal(lab) {
    await takeFromMtuRouter(await labSite(lab));
  },
};
