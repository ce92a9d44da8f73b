import type { LinkInfo } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, type FixTarget } from '../../fixes.js';
import { judgeOverlay, OPT_DRIVER_MTU, overlayFacts, overlayHops, type OverlayFacts } from './overlay.js';
import { IP6_ICMP6_HEADERS, IP_ICMP_HEADERS, largestPassing, mtuReportedIn, searchLargestPayload, type DfProbe } from './search.js';

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
async function readHops(ctx: DoctorContext, addr: string, overlay: boolean): Promise<{ egress: MtuFacts['egress']; hops: MtuHop[] }> {
  const { from, to, fromName, toName } = ctx.target;
  const shared = ctx.sharedEndpoints()[0];
  const bridge = shared ? ctx.networkNamed(shared.network)?.bridge ?? null : null;
  // a peer on another node has no namespace here to read the way back in
  const back = to!.node ? null : shared?.from.ipv4 ?? null;
  const fromAgent = ctx.agentIn(from!);
  const toAgent = back ? ctx.agentIn(to!) : null;
  const [fromLinks, fromRoute, hostLinks, hostRoute, toLinks, toRoute] = await Promise.all([
    fromAgent.call('links', {}), fromAgent.call('routeGet', { addr }),
    // an overlay's packets never meet the host namespace's own route to the container address
    ctx.host.links(), overlay ? Promise.resolve(null) : ctx.host.routeGet(addr),
    toAgent ? toAgent.call('links', {}) : Promise.resolve([]), toAgent ? toAgent.call('routeGet', { addr: back! }) : Promise.resolve(null),
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

/**
 * IPv6 once IPv4 carries the full MTU: a path narrower only for IPv6 (a
 * tunnel, an IPv6 MTU set on a link, ICMPv6 Packet Too Big filtered) is
 * fixed by the sender's IPv6 MTU alone, IPv4 keeps its own.
 */
function judgeIpv6(f: MtuFacts, v6: NonNullable<MtuFacts['v6']>, v4: Verdict): Verdict {
  const sender = v6.egress.mtu ?? DEFAULT_MTU;
  const full = sender - IP6_ICMP6_HEADERS;
  const largest = largestPassing(v6.probes);
  const tried = `IPv6 DF pings to ${v6.addr} (payload bytes): ${v6.probes.map((p) => `${p.size} ${p.ok ? 'ok' : 'lost'}`).join(', ')}`;
  if (largest === null) return { ...v4, evidence: [...v4.evidence, `${tried}: none answered (see reach.icmp)`] };
  if (largest >= full) {
    return pass(`a ${sender}-byte packet reaches ${f.to} over IPv4 and IPv6: the path carries the full MTU ${sender}`, [...v4.evidence, `IPv6 DF ping with ${full} bytes of payload: answered`]);
  }
  const path = largest + IP6_ICMP6_HEADERS;
  const reported = v6.probes.map((p) => p.reportedMtu).find((m) => m !== null) ?? null;
  const evidence = [
    ...v4.evidence, tried,
    `IPv6 DF ping with ${full} bytes of payload (${sender}-byte packet): no answer; largest payload that passes: ${largest} bytes: IPv6 path MTU ${path}`,
    reported
      ? `an ICMPv6 Packet Too Big came back (mtu ${reported}): path MTU discovery works, at a cost`
      : 'no ICMPv6 Packet Too Big came back: IPv6 path MTU discovery is blackholed (an ip6tables rule dropping ICMPv6?), large IPv6 packets vanish',
  ];
  const fix = `${inNamespace(f.fromNetnsPath)}sysctl -w net.ipv6.conf.${v6.egress.ifname ?? 'eth0'}.mtu=${Math.max(path, 1280)}`;
  const summary = `${f.to} takes full-size packets over IPv4 but not IPv6: IPv6 packets over ${path} bytes do not reach it (${f.from} sends up to ${sender})`;
  return reported ? warn(summary, evidence, fix) : fail(summary, evidence, fix);
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
    const addr = ctx.peerAddress();
    const base = {
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: fromName, to: toName, addr,
      network: ctx.sharedEndpoints()[0]?.network ?? null, fromNetnsPath: from!.netnsPath,
    };
    if (!addr) return { ...base, egress: { ifname: null, mtu: null }, hops: [], probes: [] };
    const overlay = await overlayFacts(ctx, base.network);
    const read = await readHops(ctx, addr, overlay !== null);
    const { egress } = read;
    const hops = overlay ? [...read.hops, ...overlayHops(overlay)] : read.hops;
    const agent = ctx.agentIn(from!);
    const probe = (to: string) => async (size: number): Promise<DfProbe> => {
      const r = await agent.call('ping', { addr: to, size, dontFragment: true, count: 1, timeoutS: 1 });
      return { size, ok: r.alive, reportedMtu: mtuReportedIn(r.output) };
    };
    const addr6 = !overlay && ctx.families().includes(6) ? ctx.peerAddress(6) : null;
    const [probes, v6] = await Promise.all([
      searchLargestPayload(probe(addr), (egress.mtu ?? DEFAULT_MTU) - IP_ICMP_HEADERS),
      addr6 ? (async () => {
        const [route, links] = await Promise.all([agent.call('routeGet', { addr: addr6 }), agent.call('links', {})]);
        const egress6 = { ifname: route.dev, mtu: mtuOf(links, route.dev) };
        return { addr: addr6, egress: egress6, probes: await searchLargestPayload(probe(addr6), (egress6.mtu ?? DEFAULT_MTU) - IP6_ICMP6_HEADERS, 6, IP6_ICMP6_HEADERS) };
      })() : null,
    ]);
    return { ...base, egress, hops, probes, overlay, ...(v6 ? { v6 } : {}) };
  },
  judge(f) {
    if (!f.addr) return skip(`${f.to} has no IPv4 address to probe`);
    const sender = f.egress.mtu ?? DEFAULT_MTU;
    const full = sender - IP_ICMP_HEADERS;
    const hopLines = f.hops.map((h) => `${h.where}: ${h.ifname} mtu ${h.mtu ?? '? (not in this namespace)'}`);
    const largest = largestPassing(f.probes);
    const tried = `DF pings (payload bytes): ${f.probes.map((p) => `${p.size} ${p.ok ? 'ok' : 'lost'}`).join(', ')}`;
    if (largest === null) return skip(`${f.to} (${f.addr}) answers no DF ping at any size (see reach.icmp)`, [...hopLines, tried]);
    if (f.overlay) return judgeOverlay({ ...f, sender, hopLines, tried, overlay: f.overlay })!;
    if (largest >= full) {
      const v4 = pass(`a ${sender}-byte packet with DF set reaches ${f.to}: the path carries the full MTU ${sender}`, [...hopLines, `DF ping with ${full} bytes of payload: answered`]);
      return f.v6 ? judgeIpv6(f, f.v6, v4) : v4;
    }
    const path = largest + IP_ICMP_HEADERS;
    const narrow = f.hops.filter((h) => h.mtu !== null && h.mtu < sender);
    const reported = f.probes.map((p) => p.reportedMtu).find((m) => m !== null) ?? null;
    const evidence = [
      ...hopLines,
      `DF ping with ${full} bytes of payload (${sender}-byte packet): no answer; largest payload that passes: ${largest} bytes: path MTU ${path}`,
      tried,
      narrow.length
        ? `narrower than ${f.from}'s ${sender}: ${narrow.map((h) => `${h.ifname} (${h.mtu})`).join(', ')}`
        : `every hop seen carries ${sender}: the narrower link is beyond them (a router, a VPN, an overlay: VXLAN takes 50 bytes)`,
      reported
        ? `an ICMP "fragmentation needed" came back (mtu ${reported}): path MTU discovery works, at a cost`
        : 'no ICMP "fragmentation needed" came back: path MTU discovery is blackholed, large packets (big responses, TLS handshakes) vanish',
      `to keep it: recreate network ${f.network ?? 'NETWORK'} with ${cli(f, `network create -o ${mtuOption(f)}=${path} ...`)}`,
    ];
    const fix = `${inNamespace(f.fromNetnsPath)}ip link set dev ${f.egress.ifname ?? 'eth0'} mtu ${path}`;
    const summary = `packets over ${path} bytes do not reach ${f.to}: ${f.from} sends up to ${sender}`;
    return reported ? warn(summary, evidence, fix) : fail(summary, evidence, fix);
  },
};
