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

/** Containers remember db's MAC (or the router's): forget it so the next packet asks again. */
async function forgetNeighbours(lab: Lab, tables: string[], bridge: string): Promise<void> {
  await Promise.all([
    ...tables.map((ns) => run('ip', ['neigh', 'flush', 'all'], { netns: ns, reject: false })),
    run('ip', ['neigh', 'flush', 'dev', bridge], { netns: lab.name, reject: false }),
  ]);
}

export const s5PathMtu: Fault = {
  id: 'S5',
  check: 'path.mtu',
  description: `db behind a router namespace (proxy ARP on app's bridge) over a ${TUNNEL_MTU}-byte link; the router drops ICMP fragmentation-needed`,
  async apply(lab) {
    const { ep, net, neighbourTables } = await dbOnItsNetwork(lab);
    const router = routerNetns(lab);
    const subnet = parseCidr(net.subnet);
    const routerAddress = `${formatIpv4(lastAddress(subnet) - 1)}/${subnet.prefix}`;
    const host = (args: string[]) => run('ip', args, { netns: lab.name });
    const inRouter = (cmd: string, args: string[]) => run(cmd, args, { netns: router });
    await run('ip', ['netns', 'add', router]);
    await inRouter('ip', ['link', 'set', 'lo', 'up']);
    await host(['link', 'add', ROUTER_UPLINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', router]);
    await host(['link', 'set', ROUTER_UPLINK, 'master', net.device, 'mtu', String(net.mtu), 'up']);
    await inRouter('ip', ['addr', 'add', routerAddress, 'dev', 'eth0']);
    await inRouter('ip', ['link', 'set', 'eth0', 'mtu', String(net.mtu), 'up']);
    await host(['link', 'set', ep.hostIf, 'nomaster']);
    await host(['link', 'set', ep.hostIf, 'netns', router]);
    await inRouter('ip', ['link', 'set', ep.hostIf, 'mtu', String(TUNNEL_MTU), 'up']);
    await inRouter('ip', ['route', 'add', `${ep.ipv4}/32`, 'dev', ep.hostIf]);
    // proxy ARP answers after a random delay of up to 0.8 s by default: longer than the doctor's ping waits
    const proxyArp = [ep.hostIf, 'eth0'].flatMap((dev) => [`net.ipv4.conf.${dev}.proxy_arp=1`, `net.ipv4.neigh.${dev}.proxy_delay=0`]);
    for (const key of ['net.ipv4.ip_forward=1', ...proxyArp]) await inRouter('sysctl', ['-qw', key]);
    for (const chain of ['OUTPUT', 'FORWARD']) await inRouter('iptables', ['-A', chain, ...DROP_FRAG_NEEDED]);
    await forgetNeighbours(lab, neighbourTables, net.device);
  },
  async heal(lab) {
    const { ep, net, neighbourTables } = await dbOnItsNetwork(lab);
    const router = routerNetns(lab);
    await run('ip', ['link', 'set', ep.hostIf, 'netns', lab.name], { netns: router, reject: false });
    await run('ip', ['link', 'set', ep.hostIf, 'mtu', String(net.mtu), 'master', net.device, 'up'], { netns: lab.name });
    await run('ip', ['netns', 'del', router], { reject: false });
    await forgetNeighbours(lab, neighbourTables, net.device);
  },
};
