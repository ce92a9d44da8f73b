import { fail, pass, type Verdict } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, type FixTarget } from '../../fixes.js';
import { IP_ICMP_HEADERS, largestPassing, type DfProbe } from './search.js';

/**
 * path.mtu on an overlay network: every packet a container sends is wrapped
 * in VXLAN (outer Ethernet, IP, UDP and VXLAN headers: 50 bytes) and leaves
 * the node through the underlay, so the overlay's MTU must stay 50 bytes
 * under the underlay's. Docker gives an overlay's containers its
 * `com.docker.network.driver.mtu` option (default 1500) minus those 50 bytes.
 */
export const VXLAN_OVERHEAD = 50;
/** Docker's network option for the MTU (netcore/bridge/networks.ts has it too, at the cost of importing its whole network code) */
export const OPT_DRIVER_MTU = 'com.docker.network.driver.mtu';

export interface OverlayFacts {
  network: string;
  attachable: boolean;
  /** the network's driver mtu option, null when left at Docker's default */
  driverMtu: number | null;
  /** the node the peer runs on (null: this node, no underlay crossed) */
  peerNode: string | null;
  /** this node's egress toward the peer's node, and the MTU it carries */
  underlay: { ifname: string | null; mtu: number | null } | null;
}

/** Where VXLAN packets to the peer's node leave this node (the host namespace's route). */
export async function readUnderlay(ctx: DoctorContext, node: string): Promise<OverlayFacts['underlay']> {
  const [route, links] = await Promise.all([ctx.host.routeGet(node), ctx.host.links()]);
  const linkMtu = route.dev ? links.find((l) => l.ifname === route.dev)?.mtu ?? null : null;
  const mtus = [linkMtu, route.mtu].filter((m): m is number => m !== null);
  return { ifname: route.dev, mtu: mtus.length ? Math.min(...mtus) : null };
}

export function overlayHops(o: OverlayFacts): Array<{ where: string; ifname: string | null; mtu: number | null }> {
  const option = o.driverMtu === null ? 'default 1500' : String(o.driverMtu);
  return [
    { where: `overlay ${o.network} (VXLAN, +${VXLAN_OVERHEAD} bytes per packet; driver mtu ${option})`, ifname: 'vxlan', mtu: (o.driverMtu ?? 1500) - VXLAN_OVERHEAD },
    ...(o.underlay ? [{ where: `underlay, this node's egress to node ${o.peerNode}`, ...o.underlay }] : []),
  ];
}

export interface OverlayJudgeInput extends FixTarget {
  from: string;
  to: string;
  sender: number;
  probes: DfProbe[];
  hopLines: string[];
  tried: string;
  overlay: OverlayFacts;
}

/** The verdict on an overlay; null when no DF ping passed at all (the caller skips). */
export function judgeOverlay(f: OverlayJudgeInput): Verdict | null {
  const o = f.overlay;
  const largest = largestPassing(f.probes);
  if (largest === null) return null;
  const full = f.sender - IP_ICMP_HEADERS;
  const underlayMtu = o.underlay?.mtu ?? null;
  const encapsulated = f.sender + VXLAN_OVERHEAD;
  const fits = underlayMtu === null || encapsulated <= underlayMtu;
  const passed = `largest DF payload that passed ${f.from} -> ${f.to}${o.peerNode ? ` (across nodes, via ${o.peerNode})` : ''}: ${largest} bytes (a ${largest + IP_ICMP_HEADERS}-byte packet)`;
  const sum = underlayMtu === null
    ? `VXLAN: ${f.sender} + ${VXLAN_OVERHEAD} = ${encapsulated} bytes on the underlay`
    : `VXLAN: ${f.sender} + ${VXLAN_OVERHEAD} = ${encapsulated} bytes on the underlay ${o.underlay!.ifname} (mtu ${underlayMtu}): ${fits ? 'fits' : 'too large'}`;
  const farSide = o.peerNode ? [`${f.to} runs on node ${o.peerNode}: the hops on its side are read there (the doctor run on that node)`] : [];
  if (fits && largest >= full) {
    return pass(`a ${f.sender}-byte packet with DF set crosses overlay ${o.network} to ${f.to}: the overlay's MTU fits the underlay`, [...f.hopLines, sum, passed, ...farSide]);
  }
  const pathMtu = largest + IP_ICMP_HEADERS;
  const driverMtu = Math.min(underlayMtu ?? Infinity, pathMtu + VXLAN_OVERHEAD);
  const create = `network create -d overlay${o.attachable ? ' --attachable' : ''} -o ${OPT_DRIVER_MTU}=${driverMtu} ${o.network}`;
  const evidence = [
    ...f.hopLines, sum, passed, ...farSide, f.tried,
    `the overlay's MTU must be at most the underlay's minus ${VXLAN_OVERHEAD}: with ${OPT_DRIVER_MTU}=${driverMtu} its containers get ${driverMtu - VXLAN_OVERHEAD}`,
    `disconnect the containers on ${o.network} first (${cli(f, `network disconnect ${o.network} CONTAINER`)} on each node), then connect them again`,
  ];
  const summary = fits
    ? `packets over ${pathMtu} bytes do not cross overlay ${o.network} to ${f.to}: ${f.from} sends up to ${f.sender} (a narrower link between the nodes)`
    : `overlay ${o.network}'s MTU ${f.sender} is too large for the underlay: VXLAN needs ${VXLAN_OVERHEAD} bytes, ${o.underlay!.ifname} carries ${underlayMtu}`;
  return fail(summary, evidence, `${cli(f, `network rm ${o.network}`)} && ${cli(f, create)}`);
}

/** The overlay's facts, when the shared network is one. */
export async function overlayFacts(ctx: DoctorContext, network: string | null): Promise<OverlayFacts | null> {
  const net = network ? ctx.networkNamed(network) : undefined;
  if (!net || net.driver !== 'overlay') return null;
  const peerNode = ctx.target.to?.node ?? null;
  return {
    network: net.name, attachable: net.attachable ?? false, driverMtu: net.mtu, peerNode,
    underlay: peerNode ? await readUnderlay(ctx, peerNode) : null,
  };
}
