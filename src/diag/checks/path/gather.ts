import type { DoctorContext } from '../../context.js';
import type { InvContainer, InvEndpoint } from '../../inventory/types.js';
import type { LinkInfo } from '../../probe/protocol.js';
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
  const shared = ctx.sharedEndpoints().find((s) => ctx.networkNamed(s.network)?.bridge && s.from.ipv4 && s.to.ipv4);
  if (!shared) return { none: 'the containers share no bridge network with addresses on both ends (overlay, macvlan, or none): no bridge path to walk' };
  const net = ctx.networkNamed(shared.network)!;
  const others = ctx.target.containers
    .filter((c) => c.running && !c.node && c.netnsPath && c.id !== from.id && c.id !== to.id && c.endpoints.some((e) => e.network === net.name))
    .slice(0, MAX_OTHERS);
  const dual = !!(shared.from.ipv6 && shared.to.ipv6);
  const [fromEnd, toEnd, hostLinks, holders, from6, to6] = await Promise.all([
    readEnd(ctx, from, shared.from, shared.to.ipv4!),
    readEnd(ctx, to, shared.to, shared.from.ipv4!),
    ctx.host.linkStates(),
    Promise.all(others.map((c) => readHolder(ctx, c, net.name))),
    dual ? readFamilyEnd(ctx, from, shared.from, shared.to.ipv6!) : null,
    dual ? readFamilyEnd(ctx, to, shared.to, shared.from.ipv6!) : null,
  ]);
  return {
    network: net.name,
    subnet: net.subnet,
    bridge: net.bridge!,
    from: fromEnd,
    to: toEnd,
    ...(from6 && to6 ? { v6: { subnet: net.subnet6 ?? null, gateway: net.gateway6 ?? null, from: from6, to: to6 } } : {}),
    hostLinks: hostLinks.map(pathLink),
    others: holders,
    fix: { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, pids: { [from.name]: from.pid, [to.name]: to.pid } },
  };
}

async function readEnd(ctx: DoctorContext, c: InvContainer, ep: InvEndpoint, otherAddress: string): Promise<PathEnd> {
  const probe = ctx.agentIn(c);
  const [links, addresses, routes, neighbours, route] = await Promise.all([
    probe.call('links', {}), probe.call('addresses', {}), probe.call('routes', {}), probe.call('neigh', {}),
    ctx.once(`route-get-${c.id}-${otherAddress}`, () => probe.call('routeGet', { addr: otherAddress })),
  ]);
  return {
    name: c.name,
    ifname: endpointLink(ep, links, addresses),
    address: ep.ipv4!,
    prefixLen: ep.prefixLen ?? 32,
    mac: ep.mac,
    hostIf: ep.hostIf,
    links: links.map(pathLink),
    addresses,
    route: { dev: route.dev, gateway: route.gateway, src: route.src, error: route.error },
    routes,
    neighbours,
  };
}

/** One end's IPv6 facts: the link-local addresses are kept (a link without one has IPv6 disabled). */
async function readFamilyEnd(ctx: DoctorContext, c: InvContainer, ep: InvEndpoint, otherAddress: string): Promise<PathFamilyEnd> {
  const probe = ctx.agentIn(c);
  const [addresses, routes, neighbours, route] = await Promise.all([
    probe.call('addresses', { family: 6 }), probe.call('routes', { family: 6 }), probe.call('neigh', {}),
    ctx.once(`route-get-${c.id}-${otherAddress}`, () => probe.call('routeGet', { addr: otherAddress })),
  ]);
  return {
    address: ep.ipv6!, prefixLen: ep.prefixLen6 ?? 64, addresses, routes,
    route: { dev: route.dev, gateway: route.gateway, src: route.src, error: route.error },
    neighbours: neighbours.filter((n) => n.dst.includes(':')),
  };
}

/** The container's link on the network: by the endpoint's MAC, else by its address, else the usual eth0. */
function endpointLink(ep: InvEndpoint, links: LinkInfo[], addresses: Array<{ ifname: string; address: string }>): string {
  const mac = ep.mac?.toLowerCase();
  const byMac = mac ? links.find((l) => l.mac === mac) : undefined;
  return byMac?.ifname ?? addresses.find((a) => a.address === ep.ipv4)?.ifname ?? 'eth0';
}

async function readHolder(ctx: DoctorContext, c: InvContainer, network: string): Promise<PathHolder> {
  const probe = ctx.agentIn(c);
  const [links, addresses] = await Promise.all([probe.call('links', {}), probe.call('addresses', {})]).catch(() => [[], []] as const);
  return {
    name: c.name,
    assigned: c.endpoints.find((e) => e.network === network)?.ipv4 ?? null,
    addresses: addresses.filter((a) => !a.address.startsWith('127.')),
    macs: links.map((l) => l.mac).filter((m): m is string => !!m && m !== '00:00:00:00:00:00'),
  };
}

function pathLink(l: LinkInfo): PathLink {
  return { ifname: l.ifname, ifindex: l.ifindex, up: l.up, carrier: l.carrier, noarp: l.noarp, operstate: l.operstate, mtu: l.mtu, mac: l.mac, master: l.master, kind: l.kind, portState: l.portState, stp: l.stp };
}
