import { contains, parseCidr, parseIpv4 } from '../../../netcore/ipv4.js';
import type { PathEnd, PathFacts, PathHolder, PathLink } from './facts.js';
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
    endLinkHop(f, f.to, 'out', duplicates(f, f.to)),
    neighbourHop(f, f.from, f.to, 'out'),
    routeHop(f, f.to, f.from, 'back'),
    neighbourHop(f, f.to, f.from, 'back'),
    endLinkHop(f, f.from, 'back', duplicates(f, f.from)),
  ];
  let cause: Walk['cause'] = null;
  for (const hop of hops) {
    const finding = hop.findings.find((x) => x.severity === 'fail');
    if (finding) { cause = { hop, finding }; break; }
  }
  return { hops, cause };
}

const endNode = (end: PathEnd) => `${end.name}:${end.ifname} ${end.address}`;
const linkNamed = (links: PathLink[], name: string | null) => (name ? links.find((l) => l.ifname === name) ?? null : null);
const linkText = (l: PathLink) => `${l.ifname} ${l.up ? 'up' : 'DOWN (administratively)'}${l.up && !l.carrier ? ', no carrier' : ''}, state ${l.operstate}${l.master ? `, port of ${l.master}` : ''}`;

function routeHop(f: PathFacts, end: PathEnd, other: PathEnd, dir: Hop['dir']): Hop {
  const hop: Hop = { dir, at: end.name, kind: 'route', label: `route to ${other.address}`, node: endNode(end), findings: [] };
  const r = end.route;
  const subnet = f.subnet ?? `${other.address}/${end.prefixLen}`;
  const addRoute = ipInContainer(f.fix, end.name, `route add ${subnet} dev ${end.ifname} src ${end.address}`);
  const looked = `ip route get ${other.address} in ${end.name}: ${r.error ?? `dev ${r.dev}${r.gateway ? ` via ${r.gateway}` : ''}${r.src ? ` src ${r.src}` : ''}`}`;
  const table = `${end.name}'s routes: ${end.routes.map((x) => `${x.dst}${x.gateway ? ` via ${x.gateway}` : ''}${x.dev ? ` dev ${x.dev}` : ''}`).join('; ') || 'none'}`;
  if (r.error) {
    hop.findings.push({ check: 'route.missing', severity: 'fail', problem: `${end.name} has no route to ${other.name} (${other.address}): ${r.error}`, evidence: [looked, table], fix: addRoute });
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
      problem: `${end.name} has no on-link route for ${subnet}: packets for ${other.name} go through the gateway ${r.gateway} and the host must route them back`,
      evidence: [looked, table], fix: addRoute,
    });
  }
  return hop;
}

function mostSpecificRoute(end: PathEnd, addr: string) {
  const a = parseIpv4(addr);
  let best: { dst: string; dev: string | null; len: number } | null = null;
  for (const r of end.routes) {
    const cidr = r.dst === 'default' ? { len: 0, ok: true } : (() => { try { const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`); return { len: c.prefix, ok: contains(c, a) }; } catch { return { len: -1, ok: false }; } })();
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
  const held = end.addresses.filter((a) => a.ifname === end.ifname);
  if (!held.some((a) => a.address === end.address)) {
    hop.findings.push({
      check: 'addr.missing', severity: 'fail',
      problem: `${end.name}'s ${end.ifname} does not hold its address ${end.address}/${end.prefixLen} on ${f.network}`,
      evidence: [`${end.name} ${end.ifname}: ${held.map((a) => `${a.address}/${a.prefixLen}`).join(', ') || 'no IPv4 address'}`],
      fix: ipInContainer(f.fix, end.name, `addr add ${end.address}/${end.prefixLen} dev ${end.ifname}`),
    });
  }
  hop.findings.push(...dup);
  return hop;
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

/** Others on the network that hold `end`'s address too. */
function duplicates(f: PathFacts, end: PathEnd): Finding[] {
  const holders = f.others.filter((o) => o.addresses.some((a) => a.address === end.address));
  return holders.map((o) => ({
    check: 'addr.duplicate' as const, severity: 'fail' as const,
    problem: `${end.address} is claimed twice on ${f.network}: by ${end.name} and by ${o.name}`,
    evidence: [`${o.name} holds ${o.addresses.filter((a) => a.address === end.address).map((a) => `${a.address}/${a.prefixLen} on ${a.ifname}`).join(', ')}${o.macs.length ? ` (MAC ${o.macs.join(', ')})` : ''}`, `${end.name} holds ${end.address} (MAC ${endMac(end) ?? '?'})`],
    fix: fixDuplicate(f, o, end.address),
  }));
}

function fixDuplicate(f: PathFacts, o: PathHolder, address: string): string {
  // the backend gave it that address too (two engines, or --ip twice): it needs a new endpoint; else the address was added by hand
  if (o.assigned === address) return reconnect(f.fix, f.network, o.name);
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
    problem: `${end.name}'s neighbour entry for ${other.name} (${other.address}) points to ${entry.lladdr}${owner ? `, ${owner.name}'s MAC` : ', a MAC no container on the network has'}; ${other.name}'s ${other.ifname} is ${mac}`,
    evidence: [`${end.name}: ${other.address} dev ${entry.dev} lladdr ${entry.lladdr} ${entry.state.join(',')}`, `${other.name} ${other.ifname}: ${mac}`],
    fix: ipInContainer(f.fix, end.name, `neigh del ${other.address} dev ${end.ifname}`),
  });
  return hop;
}
