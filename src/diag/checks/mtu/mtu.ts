import type { LinkInfo } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, type FixTarget } from '../../fixes.js';
import { judgeOverlay, OPT_DRIVER_MTU, overlayFacts, overlayHops, type OverlayFacts } from './overlay.js';
import { IP6_ICMP6_HEADERS, IP_ICMP_HEADERS, largestPassing, mtuReportedIn, reporterIn, searchLargestPayload, type DfProbe } from './search.js';
import { addressIn, type Family } from '../../families.js';
import { routeFrom } from '../path/gather.js';

export interface MtuHop {
  where: string;
  ifname: string | null;
  /** null: the interface is not where it should be */
  mtu: number | null;
}

export interface MtuFacts extends FixTarget {
  from: string;
  to: string;
  addr: string | null;
  /** the family of addr, egress and probes: 6 on an IPv6-only pair (absent: IPv4) */
  family?: 6;
  network: string | null;
  /** the namespace of `from`, for the fix */
  fromNetnsPath: string | null;
  /** the interface `from` sends to the peer through, and its MTU: the size the DF search starts at */
  egress: { ifname: string | null; mtu: number | null };
  hops: MtuHop[];
  probes: DfProbe[];
  /** set when the shared network is an overlay (VXLAN over the nodes' underlay) */
  overlay?: OverlayFacts | null;
  /** the DF search over IPv6 too, when the pair shares it (ICMPv6 Packet Too Big is its "fragmentation needed") */
  v6?: { addr: string; egress: { ifname: string | null; mtu: number | null }; probes: DfProbe[] };
}

const DEFAULT_MTU = 1500;

function mtuOf(links: Array<Pick<LinkInfo, 'ifname' | 'mtu'>>, ifname: string | null): number | null {
  return ifname ? links.find((l) => l.ifname === ifname)?.mtu ?? null : null;
}

/** Every interface a packet from `from` to the peer crosses that this host can see, in path order. */
async function readHops(ctx: DoctorContext, addr: string, overlay: boolean, family: Family): Promise<{ egress: MtuFacts['egress']; hops: MtuHop[] }> {
  const { from, to, fromName, toName } = ctx.target;
  const shared = ctx.sharedEndpoints()[0];
  const bridge = shared ? ctx.networkNamed(shared.network)?.bridge ?? null : null;
  // a peer on another node has no namespace here to read the way back in
  const back = to!.node ? null : addressIn(shared?.from, family);
  const fromAgent = ctx.agentIn(from!);
  const toAgent = back ? ctx.agentIn(to!) : null;
  const [fromLinks, fromRoute, hostLinks, hostRoute, toLinks, toRoute] = await Promise.all([
    fromAgent.call('links', {}), routeFrom(ctx, from!, addr),
    // an overlay's packets never meet the host namespace's own route to the container address
    ctx.host.links(), overlay ? Promise.resolve(null) : ctx.host.routeGet(addr),
    toAgent ? toAgent.call('links', {}) : Promise.resolve([]), toAgent ? routeFrom(ctx, to!, back!) : Promise.resolve(null),
  ]);
  const onHost = (where: string, ifname: string | null | undefined): MtuHop[] => (ifname ? [{ where, ifname, mtu: mtuOf(hostLinks, ifname) }] : []);
  const egress = { ifname: fromRoute.dev, mtu: mtuOf(fromLinks, fromRoute.dev) };
  const hops: MtuHop[] = [
    { where: `${fromName}, egress of route to ${addr}`, ...egress },
    ...onHost(`host end of ${fromName}'s veth`, shared?.from.hostIf),
    ...onHost(`bridge of network ${shared?.network}`, bridge),
    ...(hostRoute?.dev && hostRoute.dev !== bridge ? onHost(`host, egress of route to ${addr}`, hostRoute.dev) : []),
    ...onHost(`host end of ${toName}'s veth`, shared?.to.hostIf),
    ...(toRoute?.dev ? [{ where: `${toName}, egress of route back to ${back}`, ifname: toRoute.dev, mtu: mtuOf(toLinks, toRoute.dev) }] : []),
  ];
  return { egress, hops };
}

/** the network option that sets the MTU: podman's bridge driver takes `mtu`, Docker's and tsdiag's the driver option */
const mtuOption = (f: MtuFacts) => (f.backend === 'podman' ? 'mtu' : OPT_DRIVER_MTU);

/** What one family's DF search found: the sender's MTU, the largest payload that passed, the path MTU, who said so. */
interface Measured {
  family: Family;
  sender: number;
  full: number;
  largest: number | null;
  path: number | null;
  reported: number | null;
  reportedBy: string | null;
  tried: string;
}

const headersOf = (family: Family) => (family === 6 ? IP6_ICMP6_HEADERS : IP_ICMP_HEADERS);
/** "" for IPv4 (the words the check always had), "IPv6 " */
const word = (family: Family) => (family === 6 ? 'IPv6 ' : '');

function measure(family: Family, egress: MtuFacts['egress'], probes: DfProbe[], addr?: string): Measured {
  const sender = egress.mtu ?? DEFAULT_MTU;
  const full = sender - headersOf(family);
  const largest = largestPassing(probes);
  const reportedProbe = probes.find((p) => p.reportedMtu !== null);
  return {
    family, sender, full, largest,
    path: largest === null || largest >= full ? null : largest + headersOf(family),
    reported: reportedProbe?.reportedMtu ?? null,
    reportedBy: probes.map((p) => p.reportedBy).find((r) => r) ?? null,
    tried: `${word(family)}DF pings${addr ? ` to ${addr}` : ''} (payload bytes): ${probes.map((p) => `${p.size} ${p.ok ? 'ok' : 'lost'}`).join(', ')}`,
  };
}

/** The evidence of a narrow family: its largest payload, and whether the router's ICMP came back (and from whom). */
function narrowEvidence(m: Measured): string[] {
  const icmp = m.family === 6 ? 'ICMPv6 Packet Too Big' : 'ICMP "fragmentation needed"';
  const from = m.reportedBy ? ` from ${m.reportedBy}, the router before the narrow link` : '';
  return [
    `${word(m.family)}DF ping with ${m.full} bytes of payload (${m.sender}-byte packet): no answer; largest payload that passes: ${m.largest} bytes: ${word(m.family)}path MTU ${m.path}`,
    m.reported
      ? `an ${icmp} came back${from} (mtu ${m.reported}): path MTU discovery works, at a cost`
      : m.family === 6
        ? 'no ICMPv6 Packet Too Big came back: IPv6 path MTU discovery is blackholed (an ip6tables rule dropping ICMPv6?), large IPv6 packets vanish'
        : 'no ICMP "fragmentation needed" came back: path MTU discovery is blackholed, large packets (big responses, TLS handshakes) vanish',
  ];
}

/**
 * The second family (IPv6 beside IPv4): judged with the first. Narrower only
 * for IPv6 (a tunnel, an IPv6 MTU set on a link, Packet Too Big filtered) is
 * fixed by the sender's IPv6 MTU alone; narrow in both by the link's MTU,
 * and the IPv6 MTU too where IPv6 is narrower still.
 */
function withIpv6(f: MtuFacts, v6: NonNullable<MtuFacts['v6']>, first: Measured, v4: Verdict): Verdict {
  const m = measure(6, v6.egress, v6.probes, v6.addr);
  if (m.largest === null) return { ...v4, evidence: [...v4.evidence, `${m.tried}: none answered (see reach.icmp)`] };
  const ifname = v6.egress.ifname ?? 'eth0';
  const ipv6Mtu = (path: number) => `${inNamespace(f.fromNetnsPath)}sysctl -w net.ipv6.conf.${ifname}.mtu=${Math.max(path, 1280)}`;
  if (m.path === null) {
    if (first.path === null) return pass(`a ${first.sender}-byte packet reaches ${f.to} over IPv4 and IPv6: the path carries the full MTU ${first.sender}`, [...v4.evidence, `IPv6 DF ping with ${m.full} bytes of payload: answered`]);
    return { ...v4, summary: `${v4.summary} (IPv6 carries the full ${m.sender})`, evidence: [...v4.evidence, `IPv6 DF ping with ${m.full} bytes of payload: answered`] };
  }
  const evidence = [...v4.evidence, m.tried, ...narrowEvidence(m)];
  const blackholed = !m.reported || (first.path !== null && !first.reported);
  const by = m.reportedBy ? `; ${m.reportedBy} reports a ${m.reported}-byte link` : '';
  if (first.path === null) {
    const summary = `${f.to} takes full-size packets over IPv4 but not IPv6: IPv6 packets over ${m.path} bytes do not reach it (${f.from} sends up to ${m.sender})${by}`;
    return (blackholed ? fail : warn)(summary, evidence, ipv6Mtu(m.path));
  }
  const sizes = first.path === m.path ? `over ${m.path} bytes do not reach ${f.to} over IPv4 and IPv6` : `over ${first.path} bytes (IPv4) and ${m.path} bytes (IPv6) do not reach ${f.to}`;
  const fix = m.path < first.path ? `${v4.fix} && ${ipv6Mtu(m.path)}` : v4.fix;
  return (blackholed ? fail : warn)(`packets ${sizes}: ${f.from} sends up to ${first.sender}${by}`, evidence, fix);
}

function inNamespace(netnsPath: string | null): string {
  if (!netnsPath) return '';
  const named = /^\/run\/netns\/([^/]+)$/.exec(netnsPath);
  return named ? `ip netns exec ${named[1]} ` : `nsenter --net=${netnsPath} `;
}

export const pathMtu: Check<MtuFacts> = {
  id: 'path.mtu',
  title: 'full-size packets cross the path (MTU)',
  after: ['topology.exists', 'topology.common-network', 'reach.icmp'],
  async gather(ctx) {
    const { from, fromName, toName } = ctx.target;
    const families = ctx.families();
    // an IPv6-only pair: the search runs over IPv6 alone
    const family: Family = families.length && !families.includes(4) ? 6 : 4;
    const addr = ctx.peerAddress(family);
    const base = {
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: fromName, to: toName, addr,
      network: ctx.sharedEndpoints()[0]?.network ?? null, fromNetnsPath: from!.netnsPath, ...(family === 6 ? { family } : {}),
    };
    if (!addr) return { ...base, egress: { ifname: null, mtu: null }, hops: [], probes: [] };
    const overlay = await overlayFacts(ctx, base.network);
    const read = await readHops(ctx, addr, overlay !== null, family);
    const { egress } = read;
    const hops = overlay ? [...read.hops, ...overlayHops(overlay)] : read.hops;
    const agent = ctx.agentIn(from!);
    const probe = (to: string) => async (size: number): Promise<DfProbe> => {
      const r = await agent.call('ping', { addr: to, size, dontFragment: true, count: 1, timeoutS: 1 });
      const reportedBy = reporterIn(r.output);
      return { size, ok: r.alive, reportedMtu: mtuReportedIn(r.output), ...(reportedBy ? { reportedBy } : {}) };
    };
    const addr6 = !overlay && family === 4 && families.includes(6) ? ctx.peerAddress(6) : null;
    const [probes, v6] = await Promise.all([
      searchLargestPayload(probe(addr), (egress.mtu ?? DEFAULT_MTU) - headersOf(family), 6, headersOf(family)),
      addr6 ? (async () => {
        const [route, links] = await Promise.all([routeFrom(ctx, from!, addr6), agent.call('links', {})]);
        const egress6 = { ifname: route.dev, mtu: mtuOf(links, route.dev) };
        return { addr: addr6, egress: egress6, probes: await searchLargestPayload(probe(addr6), (egress6.mtu ?? DEFAULT_MTU) - IP6_ICMP6_HEADERS, 6, IP6_ICMP6_HEADERS) };
      })() : null,
    ]);
    return { ...base, egress, hops, probes, overlay, ...(v6 ? { v6 } : {}) };
  },
  judge(f) {
    const family: Family = f.family ?? 4;
    if (!f.addr) return skip(`${f.to} has no address to probe`);
    const m = measure(family, f.egress, f.probes);
    const { sender, full, largest, tried } = m;
    const hopLines = f.hops.map((h) => `${h.where}: ${h.ifname} mtu ${h.mtu ?? '? (not in this namespace)'}`);
    if (largest === null) return skip(`${f.to} (${f.addr}) answers no DF ping at any size (see reach.icmp)`, [...hopLines, tried]);
    if (f.overlay) return judgeOverlay({ ...f, sender, hopLines, tried, overlay: f.overlay })!;
    const over = family === 6 ? ' over IPv6' : '';
    if (m.path === null) {
      const v = pass(`a ${sender}-byte packet with DF set reaches ${f.to}${over}: the path carries the full MTU ${sender}`, [...hopLines, `${word(family)}DF ping with ${full} bytes of payload: answered`]);
      return f.v6 ? withIpv6(f, f.v6, m, v) : v;
    }
    const path = m.path;
    const narrow = f.hops.filter((h) => h.mtu !== null && h.mtu < sender);
    const [largestLine, icmpLine] = narrowEvidence(m);
    const evidence = [
      ...hopLines,
      largestLine!,
      tried,
      narrow.length
        ? `narrower than ${f.from}'s ${sender}: ${narrow.map((h) => `${h.ifname} (${h.mtu})`).join(', ')}`
        : `every hop seen carries ${sender}: the narrower link is beyond them (a router, a VPN, an overlay: VXLAN takes 50 bytes)`,
      icmpLine!,
      `to keep it: recreate network ${f.network ?? 'NETWORK'} with ${cli(f, `network create -o ${mtuOption(f)}=${path} ...`)}`,
    ];
    const fix = `${inNamespace(f.fromNetnsPath)}ip link set dev ${f.egress.ifname ?? 'eth0'} mtu ${family === 6 ? Math.max(path, 1280) : path}`;
    const summary = `${word(family)}packets over ${path} bytes do not reach ${f.to}: ${f.from} sends up to ${sender}`;
    const v = m.reported ? warn(summary, evidence, fix) : fail(summary, evidence, fix);
    return f.v6 ? withIpv6(f, f.v6, m, v) : v;
  },
};
