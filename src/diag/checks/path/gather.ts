import type { DoctorContext } from '../../context.js';
import type { InvContainer, InvEndpoint } from '../../inventory/types.js';
import type { LinkInfo } from '../../probe/protocol.js';
import { addressIn, prefixIn, sharedFamilies, type Family } from '../../families.js';
import type { PathEnd, PathFacts, PathFamilyEnd, PathHolder, PathLink } from './facts.js';

/** How many other containers on the network are read for duplicate addresses: enough for a compose project, bounded for a big host. */
const MAX_OTHERS = 32;

export type PathFactsOrNone = PathFacts | { none: string };

/**
 * Reads the path between the doctor's two containers on their first shared
 * bridge network: each end's namespace and the host's links through their
 * probers (netlink from outside: no process starts), the other containers on
 * the network for who else holds an address or a MAC.
 */
export async function readPathFacts(ctx: DoctorContext): Promise<PathFactsOrNone> {
  const { from, to } = ctx.target;
  if (!from?.running || !to?.running) return { none: 'both containers must run to walk the path between them' };
  if (to.node || from.node) return { none: `${to.node ? to.name : from.name} runs on another swarm node: its half of the path can be read only there` };
  if (!from.netnsPath || !to.netnsPath) return { none: 'a container on the host network has no veth or bridge to walk' };
  // the walk's first family: IPv4, or IPv6 on an IPv6-only network (whose IPv4 half is absent)
  const shared = ctx.sharedEndpoints().find((s) => ctx.networkNamed(s.network)?.bridge && sharedFamilies(s.from, s.to).length);
  if (!shared) return { none: 'the containers share no bridge network with addresses on both ends (overlay, macvlan, or none): no bridge path to walk' };
  const net = ctx.networkNamed(shared.network)!;
  const [first, second] = sharedFamilies(shared.from, shared.to);
  const others = ctx.target.containers
    .filter((c) => c.running && !c.node && c.netnsPath && c.id !== from.id && c.id !== to.id && c.endpoints.some((e) => e.network === net.name))
    .slice(0, MAX_OTHERS);
  const [fromEnd, toEnd, hostLinks, holders, from6, to6] = await Promise.all([
    readEnd(ctx, from, shared.from, shared.to, first!),
    readEnd(ctx, to, shared.to, shared.from, first!),
    ctx.host.linkStates(),
    Promise.all(others.map((c) => readHolder(ctx, c, net.name, !!net.subnet6))),
    second ? readFamilyEnd(ctx, from, shared.from, shared.to, second) : null,
    second ? readFamilyEnd(ctx, to, shared.to, shared.from, second) : null,
  ]);
  return {
    network: net.name,
    subnet: first === 6 ? net.subnet6 ?? null : net.subnet,
    gateway: first === 6 ? net.gateway6 ?? null : net.gateway ?? null,
    bridge: net.bridge!,
    from: fromEnd,
    to: toEnd,
    ...(from6 && to6 ? { v6: { subnet: net.subnet6 ?? null, gateway: net.gateway6 ?? null, from: from6, to: to6 } } : {}),
    hostLinks: hostLinks.map(pathLink),
    others: holders,
    fix: { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, pids: { [from.name]: from.pid, [to.name]: to.pid } },
  };
}

async function readEnd(ctx: DoctorContext, c: InvContainer, ep: InvEndpoint, other: InvEndpoint, family: Family): Promise<PathEnd> {
  const [links, end] = await Promise.all([ctx.agentIn(c).call('links', {}), readFamilyEnd(ctx, c, ep, other, family)]);
  return {
    name: c.name,
    ifname: endpointLink(ep, links, end.addresses),
    mac: ep.mac,
    hostIf: ep.hostIf,
    links: links.map(pathLink),
    ...end,
  };
}

/**
 * One end's facts of one family. In IPv6 the link-local addresses are kept (a
 * link without one has IPv6 disabled) and the addresses DAD holds back read.
 */
async function readFamilyEnd(ctx: DoctorContext, c: InvContainer, ep: InvEndpoint, other: InvEndpoint, family: Family): Promise<PathFamilyEnd> {
  const probe = ctx.agentIn(c);
  const otherAddress = addressIn(other, family)!;
  const [addresses, routes, neighbours, route, dad] = await Promise.all([
    probe.call('addresses', { family }), probe.call('routes', { family }), ctx.once(`neigh-${c.id}`, () => probe.call('neigh', {})),
    routeFrom(ctx, c, otherAddress),
    family === 6 ? probe.call('dadStates', {}) : null,
  ]);
  return {
    address: addressIn(ep, family)!, prefixLen: prefixIn(ep, family) ?? (family === 6 ? 64 : 32), addresses, routes,
    route: { dev: route.dev, gateway: route.gateway, src: route.src, error: route.error },
    neighbours: neighbours.filter((n) => n.dst.includes(':') === (family === 6)),
    ...(dad?.length ? { dad } : {}),
  };
}

/**
 * The kernel's route lookup in a container toward an address, once per run:
 * the walk and path.mtu ask the same ones (an IPv6 lookup starts `ip`).
 */
export function routeFrom(ctx: DoctorContext, c: InvContainer, addr: string) {
  return ctx.once(`route-get-${c.id}-${addr}`, () => ctx.agentIn(c).call('routeGet', { addr }));
}

/** The container's link on the network: by the endpoint's MAC, else by its address, else the usual eth0. */
function endpointLink(ep: InvEndpoint, links: LinkInfo[], addresses: Array<{ ifname: string; address: string }>): string {
  const mac = ep.mac?.toLowerCase();
  const byMac = mac ? links.find((l) => l.mac === mac) : undefined;
  return byMac?.ifname ?? addresses.find((a) => a.address === ep.ipv4 || a.address === ep.ipv6)?.ifname ?? 'eth0';
}

/** Another container: its addresses of both families where the network has IPv6, but those DAD gave up (they claim nothing). */
async function readHolder(ctx: DoctorContext, c: InvContainer, network: string, ipv6: boolean): Promise<PathHolder> {
  const probe = ctx.agentIn(c);
  const none = [[], [], [], []] as const;
  const [links, addresses, addresses6, dad] = await Promise.all([
    probe.call('links', {}), probe.call('addresses', {}),
    ipv6 ? probe.call('addresses', { family: 6 }) : [], ipv6 ? probe.call('dadStates', {}) : [],
  ]).catch(() => none);
  const failed = new Set(dad.filter((d) => d.state === 'dadfailed').map((d) => `${d.ifname} ${d.address}`));
  const ep = c.endpoints.find((e) => e.network === network);
  return {
    name: c.name,
    assigned: ep?.ipv4 ?? null,
    ...(ep?.ipv6 ? { assigned6: ep.ipv6 } : {}),
    addresses: [...addresses, ...addresses6].filter((a) => !a.address.startsWith('127.') && a.address !== '::1' && !failed.has(`${a.ifname} ${a.address}`)),
    macs: links.map((l) => l.mac).filter((m): m is string => !!m && m !== '00:00:00:00:00:00'),
  };
}

function pathLink(l: LinkInfo): PathLink {
  return { ifname: l.ifname, ifindex: l.ifindex, up: l.up, carrier: l.carrier, noarp: l.noarp, operstate: l.operstate, mtu: l.mtu, mac: l.mac, master: l.master, kind: l.kind, portState: l.portState, stp: l.stp };
}
