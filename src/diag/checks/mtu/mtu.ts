import type { LinkInfo } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, type FixTarget } from '../../fixes.js';
import { judgeOverlay, OPT_DRIVER_MTU, overlayFacts, overlayHops, type OverlayFacts } from './overlay.js';
import { IP_ICMP_HEADERS, largestPassing, mtuReportedIn, searchLargestPayload, type DfProbe } from './search.js';

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
    const probe = async (size: number): Promise<DfProbe> => {
      const r = await agent.call('ping', { addr, size, dontFragment: true, count: 1, timeoutS: 1 });
      return { size, ok: r.alive, reportedMtu: mtuReportedIn(r.output) };
    };
    const probes = await searchLargestPayload(probe, (egress.mtu ?? DEFAULT_MTU) - IP_ICMP_HEADERS);
    return { ...base, egress, hops, probes, overlay };
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
      return pass(`a ${sender}-byte packet with DF set reaches ${f.to}: the path carries the full MTU ${sender}`, [...hopLines, `DF ping with ${full} bytes of payload: answered`]);
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
