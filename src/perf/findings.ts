import { VXLAN_OVERHEAD, OPT_DRIVER_MTU } from '../diag/checks/mtu/overlay.js';
import { cli, inContainer, onHost, type ContainerFixTarget } from '../diag/fixes.js';
import { familyName } from '../diag/families.js';
import { hostPortText } from '../netcore/ipv6.js';
import { formatRate, onOff } from './stats.js';
import type { Finding, Hop, PerfFacts, PerfPath } from './types.js';

/** A shaper within this much of the measured rate is what bounds the path. */
const SHAPER_MARGIN = 1.25;
const CONNTRACK_NEAR = 0.9;
const SOFTIRQ_BUSY = 0.6;
/** A direction this much slower than the other, with a hop's segmentation offloads off in it, is paying for them. */
const OFFLOAD_COST = 0.67;

/**
 * Why a path is slow, from a run's facts alone (pure: unit-tested from
 * recorded facts). Each judge names the object it saw and the command that
 * fixes it, and speaks only of what was measured or observed.
 */
export function judge(f: PerfFacts): Finding[] {
  return [...userlandProxy(f), ...qdiscRate(f), ...mtuMismatch(f), ...conntrackFull(f), ...softirqCore(f), ...offloadsOff(f), ...overlayFragmentation(f)];
}

const fixTarget = (f: PerfFacts): ContainerFixTarget => ({ backend: f.backend as ContainerFixTarget['backend'], hostNetns: f.hostNetns, pids: f.pids });

/** A command in the namespace a hop lives in. */
function atHop(f: PerfFacts, hop: Hop, cmd: string): string {
  return hop.where === 'host' ? onHost(fixTarget(f), cmd) : inContainer(fixTarget(f), hop.where, cmd);
}

const hopName = (h: Hop) => (h.where === 'host' ? `${h.dev} (${h.role}, host)` : `${h.dev} in ${h.where} (${h.role})`);

/** The fastest TCP figure a path reached: one stream or parallel. */
export function bestTcp(p: PerfPath | undefined): number | null {
  const v = [p?.tcp?.bps, p?.tcpParallel?.bps].filter((x): x is number => typeof x === 'number' && x > 0);
  return v.length ? Math.max(...v) : null;
}

export function userlandProxy(f: PerfFacts): Finding[] {
  return f.paths.filter((p) => p.via === 'docker-proxy').map((p) => {
    // the proxy's cost against the bridge in the same family (IPv6's proxy against IPv6's bridge)
    const direct = f.paths.find((d) => d.via === 'bridge' && d.family === p.family);
    const viaProxy = bestTcp(p);
    const straight = bestTcp(direct);
    const cost = viaProxy && straight ? `${formatRate(viaProxy)} through the proxy against ${formatRate(straight)} over the bridge (${Math.round((viaProxy / straight) * 100)}%)` : 'the published port is served by a userland copy loop';
    return {
      id: 'userland-proxy',
      object: `docker-proxy${p.proxyPid ? ` (pid ${p.proxyPid})` : ''} on ${hostPortText(p.address, p.port)}`,
      summary: `the published port ${p.port} (${familyName(p.family)}) goes through Docker's userland proxy: ${cost}`,
      evidence: [
        `docker-proxy${p.proxyPid ? ` pid ${p.proxyPid}` : ''} listens on port ${p.port} in the host namespace: every byte is copied through it`,
        ...(p.rtt['tcp-connect']?.p50 != null && direct?.rtt['tcp-connect']?.p50 != null
          ? [`TCP connect p50 ${p.rtt['tcp-connect'].p50} ms through it, ${direct.rtt['tcp-connect'].p50} ms over the bridge (the proxy answers the handshake itself)`] : []),
      ],
      fix: `set "userland-proxy": false in /etc/docker/daemon.json, then systemctl restart docker (published ports are then served by DNAT in the kernel)`,
    };
  });
}

export function qdiscRate(f: PerfFacts): Finding[] {
  const measured = Math.max(0, ...f.paths.map((p) => bestTcp(p) ?? 0));
  return f.hops.filter((h) => h.qdisc?.rateBps).flatMap((h): Finding[] => {
    const rate = h.qdisc!.rateBps!;
    if (measured > 0 && measured > rate * SHAPER_MARGIN) return [];
    const towardTo = h.role === 'from-eth' || h.role === 'to-veth';
    return [{
      id: 'qdisc-rate',
      object: hopName(h),
      summary: `${h.qdisc!.kind} on ${hopName(h)} limits ${towardTo ? `${f.from} -> ${f.to}` : `${f.to} -> ${f.from}`} to ${formatRate(rate)}${measured ? ` (measured ${formatRate(measured)})` : ''}`,
      evidence: [`tc qdisc show dev ${h.dev}: root ${h.qdisc!.kind} rate ${formatRate(rate)}`],
      fix: atHop(f, h, `tc qdisc del dev ${h.dev} root`),
    }];
  });
}

const isUnderlay = (h: Hop) => h.role.endsWith('-underlay');

export function mtuMismatch(f: PerfFacts): Finding[] {
  // an underlay carries the overlay's packets plus VXLAN's headers: its MTU is judged by overlayFragmentation
  const withMtu = f.hops.filter((h) => h.mtu !== null && !isUnderlay(h));
  const counts = new Map<number, number>();
  for (const h of withMtu) counts.set(h.mtu!, (counts.get(h.mtu!) ?? 0) + 1);
  if (counts.size < 2) return [];
  // the MTU most hops agree on is the network's; a hop apart from it is the odd one
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]![0];
  return withMtu.filter((h) => h.mtu !== usual).map((h) => ({
    id: 'mtu-mismatch',
    object: hopName(h),
    summary: `${hopName(h)} has MTU ${h.mtu} where the rest of the path has ${usual}: ${h.mtu! < usual
      ? `packets over ${h.mtu} bytes are fragmented or dropped there (path MTU discovery must shrink every flow)`
      : `it sends packets of up to ${h.mtu} bytes the next hop (MTU ${usual}) drops`}`,
    evidence: withMtu.map((x) => `${hopName(x)}: mtu ${x.mtu}`),
    fix: atHop(f, h, `ip link set dev ${h.dev} mtu ${usual}`),
  }));
}

export function conntrackFull(f: PerfFacts): Finding[] {
  const c = f.host.conntrack;
  if (!c || c.max <= 0 || c.count / c.max < CONNTRACK_NEAR) return [];
  return [{
    id: 'conntrack-full',
    object: 'the host\'s conntrack table',
    summary: `the conntrack table holds ${c.count} of ${c.max} entries: new connections are dropped once it is full`,
    evidence: [`net.netfilter.nf_conntrack_count ${c.count}, nf_conntrack_max ${c.max}`],
    fix: onHost(fixTarget(f), `sysctl -w net.netfilter.nf_conntrack_max=${c.max * 2}`),
  }];
}

export function softirqCore(f: PerfFacts): Finding[] {
  const s = f.host.softirq;
  if (!s || s.share < SOFTIRQ_BUSY) return [];
  const toEth = f.hops.find((h) => h.role === 'to-eth');
  const single = f.paths[0]?.tcp?.bps;
  return [{
    id: 'softirq-core',
    object: s.cpu,
    summary: `${s.cpu} spent ${Math.round(s.share * 100)}% of the single-stream test in softirq${single ? ` (${formatRate(single)})` : ''}: one core's packet processing bounds the stream`,
    evidence: [`/proc/stat: ${s.cpu} softirq ${Math.round(s.share * 100)}% during the test, ${f.host.cpus} CPUs`],
    fix: toEth
      ? atHop(f, toEth, `sh -c 'echo ${((1 << Math.min(f.host.cpus, 31)) - 1).toString(16)} > /sys/class/net/${toEth.dev}/queues/rx-0/rps_cpus'`) + ' (spread receive processing over every CPU: RPS)'
      : 'spread receive processing over the CPUs (RPS: /sys/class/net/DEV/queues/rx-0/rps_cpus), or use parallel streams',
  }];
}

/** Which way a hop transmits: FROM's eth and TO's host veth send FROM -> TO; TO's eth and FROM's host veth send back. */
const FORWARD_ROLES = new Set(['from-eth', 'to-veth']);
const REVERSE_ROLES = new Set(['to-eth', 'from-veth']);
const segmentationOff = (h: Hop) => h.offloads.tso === false || h.offloads.gso === false;
const segmentationOn = (h: Hop) => h.offloads.tso === true && h.offloads.gso === true;

/**
 * The hops that transmit with TSO or GSO off while the other hops of the
 * path have both on (pure): each segment is then cut to the MTU in software
 * on the sender's CPU. Only the veths and eths count (a bridge transmits
 * only what the host itself sends).
 */
export function offloadSuspects(hops: Hop[]): Hop[] {
  const judged = hops.filter((h) => FORWARD_ROLES.has(h.role) || REVERSE_ROLES.has(h.role));
  return judged.filter((h) => segmentationOff(h) && judged.some((x) => x !== h && segmentationOn(x)));
}

/**
 * A hop with TSO/GSO off named only when the direction it transmits in is
 * measurably slower than the other one over the same hops (the run's
 * reverse single-stream test): the cost is measured, not assumed.
 */
export function offloadsOff(f: PerfFacts): Finding[] {
  const direct = f.paths.find((p) => p.via === 'bridge' || p.via === 'overlay');
  const forward = direct?.tcp?.bps;
  const reverse = direct?.tcpReverse?.bps;
  if (!forward || !reverse) return [];
  return offloadSuspects(f.hops).flatMap((h): Finding[] => {
    const towardTo = FORWARD_ROLES.has(h.role);
    const [slow, fast] = towardTo ? [forward, reverse] : [reverse, forward];
    if (slow >= fast * OFFLOAD_COST) return [];
    const off = (['tso', 'gso'] as const).filter((k) => h.offloads[k] === false);
    const [dir, back] = towardTo ? [`${f.from} -> ${f.to}`, `${f.to} -> ${f.from}`] : [`${f.to} -> ${f.from}`, `${f.from} -> ${f.to}`];
    return [{
      id: 'offloads-off',
      object: hopName(h),
      summary: `${hopName(h)} has ${off.join(' and ')} off where the rest of the path has them on: ${dir} reached ${formatRate(slow)} against ${formatRate(fast)} ${back} over the same hops (${Math.round((slow / fast) * 100)}%)`,
      evidence: [
        ...f.hops.map((x) => `${hopName(x)}: tso ${onOff(x.offloads.tso)} gso ${onOff(x.offloads.gso)}`),
        `TCP 1 stream ${dir} ${formatRate(slow)}, ${back} ${formatRate(fast)}: every segment ${h.dev} sends is cut to the MTU in software`,
      ],
      fix: atHop(f, h, `ethtool -K ${h.dev} tso on gso on`),
    }];
  });
}

/** The overlay's MTU in the containers and the narrowest underlay link, when both are known. */
function overlayMtus(hops: Hop[]): { inner: number; under: Hop } | null {
  const inner = Math.max(0, ...hops.filter((h) => h.role.endsWith('-eth') && h.mtu !== null).map((h) => h.mtu!));
  const under = hops.filter((h) => isUnderlay(h) && h.mtu !== null).sort((a, b) => a.mtu! - b.mtu!)[0];
  return inner && under ? { inner, under } : null;
}

/** The note on the overlay path: VXLAN's bytes per packet and what the encapsulation cost against the underlay in the same run. */
export function vxlanCost(hops: Hop[], overlay: PerfPath, underlay: PerfPath): string {
  const m = overlayMtus(hops);
  const [o, u] = [bestTcp(overlay), bestTcp(underlay)];
  const mtus = m ? ` (MTU ${m.inner} in the containers, ${m.under.mtu} on the underlay ${m.under.dev})` : '';
  const cost = o && u ? `: ${formatRate(o)} over the overlay against ${formatRate(u)} node to node on the underlay (${Math.round((o / u) * 100)}%)` : '';
  return `VXLAN adds ${VXLAN_OVERHEAD} bytes to every packet${mtus}${cost}`;
}

/** An overlay whose MTU plus VXLAN's headers exceeds the underlay's: every full-sized packet is fragmented (or dropped with DF) between the nodes. */
export function overlayFragmentation(f: PerfFacts): Finding[] {
  const m = overlayMtus(f.hops);
  if (!f.overlay || !m || m.inner + VXLAN_OVERHEAD <= m.under.mtu!) return [];
  const o = f.overlay;
  const target = { ...fixTarget(f), hostNetns: f.hostNetns };
  const create = `network create -d overlay${o.attachable ? ' --attachable' : ''} -o ${OPT_DRIVER_MTU}=${m.under.mtu} ${o.network}`;
  const path = f.paths.find((p) => p.via === 'overlay');
  return [{
    id: 'overlay-fragmentation',
    object: `overlay ${o.network}`,
    summary: `overlay ${o.network}'s MTU ${m.inner} is too large for the underlay: VXLAN makes a full packet ${m.inner + VXLAN_OVERHEAD} bytes, ${hopName(m.under)} carries ${m.under.mtu}; they are fragmented between the nodes${bestTcp(path) ? ` (measured ${formatRate(bestTcp(path)!)})` : ''}`,
    evidence: [
      ...f.hops.map((h) => `${hopName(h)}: mtu ${h.mtu ?? '?'}`),
      `the overlay's MTU must be at most the underlay's minus ${VXLAN_OVERHEAD}: with ${OPT_DRIVER_MTU}=${m.under.mtu} its containers get ${m.under.mtu! - VXLAN_OVERHEAD}`,
      `disconnect the containers on ${o.network} first (${cli(target, `network disconnect ${o.network} CONTAINER`)} on each node), then connect them again`,
    ],
    fix: `${cli(target, `network rm ${o.network}`)} && ${cli(target, create)}`,
  }];
}
