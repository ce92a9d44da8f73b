import { contains, parseCidr, parseIpv4 } from '../../../netcore/ipv4.js';
import { contains6, parseCidr6, parseIpv6 } from '../../../netcore/ipv6.js';
import type { PathEnd, PathFacts, PathHolder, PathLink } from './facts.js';
import { inContainer } from '../../fixes.js';
import { ipInContainer, ipOnHost, reconnect } from './fix-commands.js';

/** The checks that judge the hops of the path, one cause each. */
export const PATH_CHECK_IDS = ['route.missing', 'link.state', 'link.master', 'bridge.port', 'addr.missing', 'addr.duplicate', 'neigh.stale'] as const;
export type PathCheckId = (typeof PATH_CHECK_IDS)[number];

/** What a probe across the path fails because of: a broken hop, or a firewall or kernel switch that drops it. */
export const PATH_AND_FIREWALL: readonly string[] = [...PATH_CHECK_IDS, 'fw.forward-policy', 'fw.rule-drop', 'fw.backend', 'kernel.ip-forward', 'kernel.br-netfilter', 'kernel.drop-reason'];

export interface Finding {
  check: PathCheckId;
  severity: 'fail' | 'warn';
  /** one line: the object and what is wrong with it */
  problem: string;
  evidence: string[];
  fix: string | null;
}

/** One step of the packet's way, in the order it takes it. */
export interface Hop {
  dir: 'out' | 'back';
  /** the namespace: a container's name, or "host" */
  at: string;
  kind: 'route' | 'link' | 'veth' | 'bridge' | 'neighbour';
  /** what it is: route to 172.18.0.2, eth0 172.18.0.3, vethab12cd3, br-0123456789ab, ... */
  label: string;
  /** the object the drawing shows it on: a container's link (web:eth0 172.18.0.3), a veth's host end, the bridge */
  node: string;
  /** nothing wrong: empty */
  findings: Finding[];
}

export interface Walk {
  hops: Hop[];
  /** the first hop with a finding that fails: what everything after it fails because of */
  cause: { hop: Hop; finding: Finding } | null;
}

const PORT_FORWARDING = 'forwarding';
const HOST = 'host';

/**
 * The way from `from` to `to` and back, hop by hop, each judged from the
 * facts alone. A link without carrier whose peer is down is not itself a
 * cause: the peer is, and only it is named.
 */
export function walkPath(f: PathFacts): Walk {
  const hops: Hop[] = [
    routeHop(f, f.from, f.to, 'out'),
    endLinkHop(f, f.from, 'out'),
    vethHop(f, f.from, 'out'),
    bridgeHop(f, 'out'),
    vethHop(f, f.to, 'out'),
    endLinkHop(f, f.to, 'out', duplicates(f, f.to, f.from)),
    neighbourHop(f, f.from, f.to, 'out'),
    routeHop(f, f.to, f.from, 'back'),
    neighbourHop(f, f.to, f.from, 'back'),
    endLinkHop(f, f.from, 'back', duplicates(f, f.from, f.to)),
  ];
  if (f.v6) {
    hops.push(...familyHops(ipv6View(f)));
    dualStackNodes(f, hops);
  }
  let cause: Walk['cause'] = null;
  for (const hop of hops) {
    const finding = hop.findings.find((x) => x.severity === 'fail');
    if (finding) { cause = { hop, finding }; break; }
  }
  return { hops, cause };
}

/**
 * The path's IPv6 half as a path of its own: the same links with each end's
 * IPv6 address, addresses, routes and neighbours. Only the hops that differ
 * per family are walked again (links, veths and the bridge were judged once).
 */
function ipv6View(f: PathFacts): PathFacts {
  const v6 = f.v6!;
  return { ...f, subnet: v6.subnet, gateway: v6.gateway, from: { ...f.from, ...v6.from }, to: { ...f.to, ...v6.to } };
}

/** A dual-stack end is one node of the drawing, named with both its addresses: both families' hops are shown on it. */
function dualStackNodes(f: PathFacts, hops: Hop[]): void {
  const both = new Map<string, string>();
  for (const [end, v6] of [[f.from, f.v6!.from], [f.to, f.v6!.to]] as const) {
    const label = `${endNode(end)} ${v6.address}`;
    both.set(endNode(end), label).set(endNode({ ...end, ...v6 }), label);
  }
  for (const h of hops) h.node = both.get(h.node) ?? h.node;
}

function familyHops(f: PathFacts): Hop[] {
  return [
    routeHop(f, f.from, f.to, 'out'),
    addressHop(f, f.from, 'out'),
    addressHop(f, f.to, 'out', duplicates(f, f.to, f.from)),
    neighbourHop(f, f.from, f.to, 'out'),
    routeHop(f, f.to, f.from, 'back'),
    neighbourHop(f, f.to, f.from, 'back'),
    addressHop(f, f.from, 'back', duplicates(f, f.from, f.to)),
  ];
}

const isV6 = (end: PathEnd) => end.address.includes(':');
/** the network's IPv6 gateway, for the default route a fix puts back: the walked family's (ipv6View, IPv6-only), else the second's */
const gateway6 = (f: PathFacts) => (f.subnet?.includes(':') ? f.gateway ?? null : null) ?? f.v6?.gateway ?? null;
/** "" for IPv4 (the words the walk always had), "IPv6 " for the second family */
const fam = (end: PathEnd) => (isV6(end) ? 'IPv6 ' : '');

const endNode = (end: PathEnd) => `${end.name}:${end.ifname} ${end.address}`;
const linkNamed = (links: PathLink[], name: string | null) => (name ? links.find((l) => l.ifname === name) ?? null : null);
const linkText = (l: PathLink) => `${l.ifname} ${l.up ? 'up' : 'DOWN (administratively)'}${l.up && !l.carrier ? ', no carrier' : ''}, state ${l.operstate}${l.master ? `, port of ${l.master}` : ''}`;

function routeHop(f: PathFacts, end: PathEnd, other: PathEnd, dir: Hop['dir']): Hop {
  const hop: Hop = { dir, at: end.name, kind: 'route', label: `route to ${other.address}`, node: endNode(end), findings: [] };
  const r = end.route;
  const subnet = f.subnet ?? `${other.address}/${end.prefixLen}`;
  const addRoute = isV6(end) ? addRoutes6(f, end, subnet) : ipInContainer(f.fix, end.name, `route add ${subnet} dev ${end.ifname} src ${end.address}`);
  const looked = `ip route get ${other.address} in ${end.name}: ${r.error ?? `dev ${r.dev}${r.gateway ? ` via ${r.gateway}` : ''}${r.src ? ` src ${r.src}` : ''}`}`;
  const table = `${end.name}'s routes: ${end.routes.map((x) => `${x.dst}${x.gateway ? ` via ${x.gateway}` : ''}${x.dev ? ` dev ${x.dev}` : ''}`).join('; ') || 'none'}`;
  if (r.error) {
    hop.findings.push({ check: 'route.missing', severity: 'fail', problem: `${end.name} has no ${fam(end)}route to ${other.name} (${other.address}): ${r.error}`, evidence: [looked, table], fix: addRoute });
  } else if (r.dev !== end.ifname) {
    const guilty = mostSpecificRoute(end, other.address);
    hop.findings.push({
      check: 'route.missing', severity: 'fail',
      problem: `${end.name} sends packets for ${other.name} (${other.address}) out of ${r.dev ?? '?'}, not ${end.ifname} on ${f.network}${guilty ? `: route ${guilty.dst} takes them` : ''}`,
      evidence: [looked, table],
      fix: guilty && guilty.dst !== 'default' ? ipInContainer(f.fix, end.name, `route del ${guilty.dst}${guilty.dev ? ` dev ${guilty.dev}` : ''}`) : addRoute,
    });
  } else if (r.gateway) {
    hop.findings.push({
      check: 'route.missing', severity: 'warn',
      problem: `${end.name} has no ${fam(end)}on-link route for ${subnet}: packets for ${other.name} go through the gateway ${r.gateway} and the host must route them back`,
      evidence: [looked, table], fix: addRoute,
    });
  }
  return hop;
}

/** The routes a fix puts back in an IPv6 end: the subnet on its link and, with a gateway, the default route (both go with its address). */
function addRoutes6(f: PathFacts, end: PathEnd, subnet: string): string {
  const onLink = ipInContainer(f.fix, end.name, `-6 route replace ${subnet} dev ${end.ifname}`);
  const gw = gateway6(f);
  return gw ? `${onLink} && ${ipInContainer(f.fix, end.name, `-6 route replace default via ${gw} dev ${end.ifname}`)}` : onLink;
}

/** Does the route's destination hold the address (either family)? Its prefix length, -1 when not. */
function routeCovers(dst: string, addr: string): number {
  try {
    if (addr.includes(':')) {
      const c = parseCidr6(dst.includes('/') ? dst : `${dst}/128`);
      return contains6(c, parseIpv6(addr)) ? c.prefix : -1;
    }
    const c = parseCidr(dst.includes('/') ? dst : `${dst}/32`);
    return contains(c, parseIpv4(addr)) ? c.prefix : -1;
  } catch {
    return -1;
  }
}

function mostSpecificRoute(end: PathEnd, addr: string) {
  let best: { dst: string; dev: string | null; len: number } | null = null;
  for (const r of end.routes) {
    const len = r.dst === 'default' ? 0 : routeCovers(r.dst, addr);
    const cidr = { len, ok: len >= 0 };
    if (cidr.ok && (!best || cidr.len > best.len)) best = { dst: r.dst, dev: r.dev, len: cidr.len };
  }
  return best;
}

function endLinkHop(f: PathFacts, end: PathEnd, dir: Hop['dir'], dup: Finding[] = []): Hop {
  const link = linkNamed(end.links, end.ifname);
  const hop: Hop = { dir, at: end.name, kind: 'link', label: `${end.ifname} ${end.address}`, node: endNode(end), findings: [] };
  // on the way back only the address matters: the link itself was judged on the way out
  if (dir === 'back') { hop.findings.push(...dup); return hop; }
  if (!link) {
    hop.findings.push({ check: 'link.state', severity: 'fail', problem: `${end.name} has no link ${end.ifname}: its endpoint on ${f.network} is gone`, evidence: [`${end.name}'s links: ${end.links.map((l) => l.ifname).join(', ') || 'none'}`], fix: reconnect(f.fix, f.network, end.name) });
    return hop;
  }
  const peer = linkNamed(f.hostLinks, end.hostIf);
  if (!link.up) {
    hop.findings.push({ check: 'link.state', severity: 'fail', problem: `${end.name}'s ${end.ifname} is down`, evidence: [`${end.name}: ${linkText(link)}`], fix: ipInContainer(f.fix, end.name, `link set ${end.ifname} up`) });
  } else if (!link.carrier && !(peer && !peer.up)) {
    hop.findings.push({ check: 'link.state', severity: 'fail', problem: `${end.name}'s ${end.ifname} has no carrier`, evidence: [`${end.name}: ${linkText(link)}`, peer ? `host: ${linkText(peer)}` : `the host end of its veth is not known`], fix: reconnect(f.fix, f.network, end.name) });
  }
  if (link.up && link.noarp) {
    hop.findings.push({ check: 'link.state', severity: 'fail', problem: `${end.name}'s ${end.ifname} has ARP turned off: it neither asks for nor answers its neighbours`, evidence: [`${end.name}: ${linkText(link)}, NOARP`], fix: ipInContainer(f.fix, end.name, `link set ${end.ifname} arp on`) });
  }
  hop.findings.push(...addressFindings(f, end));
  hop.findings.push(...dup);
  return hop;
}

/**
 * An end's own address on its link. In IPv6, none at all on the link (not
 * even its link-local one) is IPv6 turned off there (disable_ipv6=1, which
 * drops every IPv6 address and route of the link): the fix turns it on and
 * puts back what it dropped.
 */
function addressFindings(f: PathFacts, end: PathEnd): Finding[] {
  const held = end.addresses.filter((a) => a.ifname === end.ifname);
  if (held.some((a) => a.address === end.address)) return [];
  const what = `${fam(end)}address ${end.address}/${end.prefixLen} on ${f.network}`;
  const evidence = [`${end.name} ${end.ifname}: ${held.map((a) => `${a.address}/${a.prefixLen}`).join(', ') || (isV6(end) ? 'no IPv6 address, not even a link-local one' : 'no IPv4 address')}`];
  if (!isV6(end)) {
    return [{ check: 'addr.missing', severity: 'fail', problem: `${end.name}'s ${end.ifname} does not hold its ${what}`, evidence, fix: ipInContainer(f.fix, end.name, `addr add ${end.address}/${end.prefixLen} dev ${end.ifname}`) }];
  }
  const addAddress = ipInContainer(f.fix, end.name, `-6 addr add ${end.address}/${end.prefixLen} dev ${end.ifname} nodad`);
  if (held.length) return [{ check: 'addr.missing', severity: 'fail', problem: `${end.name}'s ${end.ifname} does not hold its ${what}`, evidence, fix: addAddress }];
  const sysctl = `net.ipv6.conf.${end.ifname}.disable_ipv6`;
  const gw = gateway6(f);
  const defaultRoute = gw ? ` && ${ipInContainer(f.fix, end.name, `-6 route replace default via ${gw} dev ${end.ifname}`)}` : '';
  return [{
    check: 'addr.missing', severity: 'fail',
    problem: `${end.name}'s ${end.ifname} has IPv6 turned off (${sysctl}=1): it does not hold its ${what}`,
    evidence: [...evidence, `${sysctl}=1 removes every IPv6 address and route of ${end.ifname}; turning it on again brings back only the link-local one`],
    fix: `${inContainer(f.fix, end.name, `sysctl -w ${sysctl}=0`)} && ${addAddress}${defaultRoute}`,
  }];
}

/** The address hop of the second family: the link itself was judged with the first (on the way back only who else claims it). */
function addressHop(f: PathFacts, end: PathEnd, dir: Hop['dir'], dup: Finding[] = []): Hop {
  const findings = dir === 'back' ? dup : [...addressFindings(f, end), ...dup];
  return { dir, at: end.name, kind: 'link', label: `${end.ifname} ${end.address}`, node: endNode(end), findings };
}

function vethHop(f: PathFacts, end: PathEnd, dir: Hop['dir']): Hop {
  const label = end.hostIf ?? `${end.name}'s veth (host end unknown)`;
  const hop: Hop = { dir, at: HOST, kind: 'veth', label, node: label, findings: [] };
  if (!end.hostIf) return hop;
  const l = linkNamed(f.hostLinks, end.hostIf);
  if (!l) {
    hop.findings.push({ check: 'link.state', severity: 'fail', problem: `the host end ${end.hostIf} of ${end.name}'s veth is gone`, evidence: [`host links: ${f.hostLinks.map((x) => x.ifname).join(', ')}`], fix: reconnect(f.fix, f.network, end.name) });
    return hop;
  }
  if (!l.up) hop.findings.push({ check: 'link.state', severity: 'fail', problem: `${end.hostIf}, the host end of ${end.name}'s veth, is down`, evidence: [`host: ${linkText(l)}`], fix: ipOnHost(f.fix, `link set ${end.hostIf} up`) });
  if (l.master !== f.bridge) {
    hop.findings.push({
      check: 'link.master', severity: 'fail',
      problem: `${end.hostIf}, the host end of ${end.name}'s veth, is ${l.master ? `a port of ${l.master}` : 'on no bridge'}, not of ${f.bridge} (${f.network})`,
      evidence: [`host: ${linkText(l)}`, `${f.bridge}'s ports: ${f.hostLinks.filter((x) => x.master === f.bridge).map((x) => x.ifname).join(', ') || 'none'}`],
      fix: ipOnHost(f.fix, `link set ${end.hostIf} master ${f.bridge}`),
    });
  } else if (l.up && l.carrier && linkNamed(f.hostLinks, f.bridge)?.up && l.portState && l.portState !== PORT_FORWARDING) {
    // a port without carrier, or on a bridge that is down, is disabled by the bridge itself: that link is the cause
    const stp = linkNamed(f.hostLinks, f.bridge)?.stp === true;
    // with STP on the kernel refuses a port state set by hand; with it off, a port it left behind stays as it was
    const forward = ipOnHost(f.fix, `link set ${end.hostIf} type bridge_slave state 3`);
    hop.findings.push({
      check: 'bridge.port', severity: 'fail',
      problem: `${end.hostIf}, ${end.name}'s port on ${f.bridge}, is in state ${l.portState}: the bridge forwards nothing through it${stp ? ` (${f.bridge} runs STP, which Docker's bridges do not)` : ''}`,
      evidence: [`host: ${linkText(l)}, port state ${l.portState}`, ...(stp ? [`${f.bridge}: stp_state 1`] : [])],
      fix: stp ? `${ipOnHost(f.fix, `link set ${f.bridge} type bridge stp_state 0`)} && ${forward}` : forward,
    });
  }
  return hop;
}

function bridgeHop(f: PathFacts, dir: Hop['dir']): Hop {
  const hop: Hop = { dir, at: HOST, kind: 'bridge', label: f.bridge, node: f.bridge, findings: [] };
  const br = linkNamed(f.hostLinks, f.bridge);
  if (!br) hop.findings.push({ check: 'link.state', severity: 'fail', problem: `the bridge ${f.bridge} of ${f.network} is gone`, evidence: [`host links: ${f.hostLinks.map((x) => x.ifname).join(', ')}`], fix: null });
  else if (!br.up) hop.findings.push({ check: 'link.state', severity: 'fail', problem: `the bridge ${f.bridge} of ${f.network} is down`, evidence: [`host: ${linkText(br)}`], fix: ipOnHost(f.fix, `link set ${f.bridge} up`) });
  return hop;
}

/** Others on the network that hold `end`'s address too; in IPv6 also the address DAD holds back in `end`. */
function duplicates(f: PathFacts, end: PathEnd, peer: PathEnd): Finding[] {
  const holders = f.others.filter((o) => o.addresses.some((a) => a.address === end.address));
  const dad = end.dad?.find((d) => d.address === end.address && d.ifname === end.ifname);
  if (dad) return [withForgotten(f, dadFinding(f, end, dad.state, holders), end, peer, holders)];
  return holders.map((o) => withForgotten(f, {
    check: 'addr.duplicate' as const, severity: 'fail' as const,
    problem: `${isV6(end) ? 'IPv6 address ' : ''}${end.address} is claimed twice on ${f.network}: by ${end.name} and by ${o.name}`,
    evidence: [holdingText(o, end.address), `${end.name} holds ${end.address} (MAC ${endMac(end) ?? '?'})`],
    fix: fixDuplicate(f, o, end.address),
  }, end, peer, [o]));
}

/** The peer learned the duplicate's MAC for the address: its entry goes too, or it keeps sending there after the fix. */
function withForgotten(f: PathFacts, finding: Finding, end: PathEnd, peer: PathEnd, holders: PathHolder[]): Finding {
  const entry = peer.neighbours.find((n) => n.dst === end.address && n.dev === peer.ifname);
  if (!finding.fix || !entry?.lladdr || !holders.some((o) => o.macs.includes(entry.lladdr!))) return finding;
  return { ...finding, fix: `${finding.fix} && ${ipInContainer(f.fix, peer.name, `neigh del ${end.address} dev ${peer.ifname}`)}` };
}

const holdingText = (o: PathHolder, address: string) =>
  `${o.name} holds ${o.addresses.filter((a) => a.address === address).map((a) => `${a.address}/${a.prefixLen} on ${a.ifname}`).join(', ')}${o.macs.length ? ` (MAC ${o.macs.join(', ')})` : ''}`;

/**
 * `end`'s own IPv6 address held back by duplicate address detection: dadfailed
 * (a neighbour answered for it: the kernel gave it up, and keeps it so until
 * it is added again) or still tentative (neither answered nor delivered to).
 */
function dadFinding(f: PathFacts, end: PathEnd, state: 'tentative' | 'dadfailed', holders: PathHolder[]): Finding {
  const cidr = `${end.address}/${end.prefixLen}`;
  const addAgain = `${ipInContainer(f.fix, end.name, `-6 addr del ${cidr} dev ${end.ifname}`)} && ${ipInContainer(f.fix, end.name, `-6 addr add ${cidr} dev ${end.ifname} nodad`)}`;
  const held = `${end.name} ${end.ifname}: ${cidr} ${state === 'dadfailed' ? 'dadfailed tentative' : 'tentative'}`;
  if (state === 'tentative') {
    return {
      check: 'addr.duplicate', severity: 'fail',
      problem: `${end.name}'s IPv6 address ${end.address} on ${end.ifname} is still tentative: duplicate address detection has not finished, so ${end.name} neither answers neighbour solicitations for it nor takes packets to it`,
      evidence: [held, 'DAD takes dad_transmits x retrans_time_ms (1 s by default); Docker and tsdiag add container addresses with nodad'],
      fix: addAgain,
    };
  }
  const who = holders.length ? `${holders.map((o) => o.name).join(' and ')} claim${holders.length > 1 ? '' : 's'} it too` : `another node on ${f.network} answered for it (no container read here holds it)`;
  return {
    check: 'addr.duplicate', severity: 'fail',
    problem: `${end.name}'s IPv6 address ${end.address} on ${end.ifname} failed duplicate address detection (dadfailed): ${who}; ${end.name} gave it up and takes no packets to it`,
    evidence: [held, ...holders.map((o) => holdingText(o, end.address)), 'a dadfailed address stays unused until it is deleted and added again'],
    fix: [...holders.map((o) => fixDuplicate(f, o, end.address)), addAgain].join(' && '),
  };
}

function fixDuplicate(f: PathFacts, o: PathHolder, address: string): string {
  // the backend gave it that address too (two engines, or --ip twice): it needs a new endpoint; else the address was added by hand
  if (o.assigned === address || o.assigned6 === address) return reconnect(f.fix, f.network, o.name);
  const a = o.addresses.find((x) => x.address === address)!;
  return ipInContainer(f.fix, o.name, `addr del ${a.address}/${a.prefixLen} dev ${a.ifname}`);
}

const endMac = (end: PathEnd) => linkNamed(end.links, end.ifname)?.mac ?? end.mac;

function neighbourHop(f: PathFacts, end: PathEnd, other: PathEnd, dir: Hop['dir']): Hop {
  const hop: Hop = { dir, at: end.name, kind: 'neighbour', label: `neighbour ${other.address}`, node: endNode(end), findings: [] };
  const entry = end.neighbours.find((n) => n.dst === other.address && n.dev === end.ifname);
  const mac = endMac(other);
  if (!entry?.lladdr || !mac || entry.lladdr === mac) return hop;
  if (entry.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE')) return hop;
  const owner = f.others.find((o) => o.macs.includes(entry.lladdr!));
  // a MAC of another holder of the same address: that is the duplicate address, named on its own hop
  if (owner && owner.addresses.some((a) => a.address === other.address)) return hop;
  hop.findings.push({
    check: 'neigh.stale', severity: 'fail',
    problem: `${end.name}'s ${fam(end)}neighbour entry for ${other.name} (${other.address}) points to ${entry.lladdr}${owner ? `, ${owner.name}'s MAC` : ', a MAC no container on the network has'}; ${other.name}'s ${other.ifname} is ${mac}`,
    evidence: [`${end.name}${isV6(end) ? ' (NDP)' : ''}: ${other.address} dev ${entry.dev} lladdr ${entry.lladdr} ${entry.state.join(',')}`, `${other.name} ${other.ifname}: ${mac}`],
    fix: ipInContainer(f.fix, end.name, `neigh del ${other.address} dev ${end.ifname}`),
  });
  return hop;
}
