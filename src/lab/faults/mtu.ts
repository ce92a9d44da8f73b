import { run } from '../../netcore/kernel/exec.js';
import { formatIpv4, lastAddress, parseCidr } from '../../netcore/ipv4.js';
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
  const neighbourTables = Object.values(state.containers).filter((c) => c.netns && c.endpoints.some((e) => e.network === net.name)).map((c) => c.netns!);
  return { ep: { ...ep, hostIf: ep.hostIf }, net: { ...net, subnet: net.subnet, device: net.device }, neighbourTables };
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
}

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
  await forgetNeighbours(site);
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
  const { ep, net, neighbourTables } = await dbOnItsNetwork(lab);
  return {
    hostNetns: lab.name, router: routerNetns(lab), bridge: net.device, bridgeMtu: net.mtu, subnet: net.subnet,
    hostIf: ep.hostIf, peerIpv4: ep.ipv4, neighbourTables,
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
