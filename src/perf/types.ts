import type { Family } from '../diag/families.js';
import type { Offloads } from '../netcore/kernel/offloads.js';
import type { RttStats } from './stats.js';

/** How the traffic of a path gets to TO: straight over the bridge, through the published port's DNAT or docker-proxy, or the host's own stack. */
export type PathVia = 'bridge' | 'dnat' | 'docker-proxy' | 'host' | 'overlay' | 'underlay';

export type ThroughputTest = 'tcp' | 'tcp-parallel' | 'udp' | 'tcp-reverse';
export type RttProbe = 'icmp' | 'tcp-connect' | 'udp-echo';

/** What a live view gets while a run goes: one interval of a throughput test, or one RTT probe. */
export type PerfSample =
  | { kind: 'throughput'; path: string; test: ThroughputTest; tMs: number; bps: number }
  | { kind: 'rtt'; path: string; probe: RttProbe; ms: number };

export interface Throughput {
  streams: number;
  bps: number;
  bytes: number;
  ms: number;
  /** bits per second per 100 ms interval, as the receiver counted */
  samples: Array<{ tMs: number; bps: number }>;
  errors?: string[];
}

export interface UdpFigures {
  rateBps: number;
  size: number;
  sent: number;
  received: number;
  lossPct: number;
  jitterMs: number;
  outOfOrder: number;
  bps: number;
}

export type RttFigures = RttStats & { samples: number[]; errors?: string[] };

export interface PerfPath {
  /** bridge, published, host; an IPv6 path's id ends in -v6 (bridge-v6) */
  id: string;
  via: PathVia;
  /** the address family its traffic is sent in */
  family: Family;
  address: string;
  port: number;
  /** what this path's traffic crosses that the bridge path does not (the proxy's pid, the DNAT rule's port) */
  detail: string;
  /** docker-proxy's pid when it holds the published port */
  proxyPid?: number | null;
  rtt: Partial<Record<RttProbe, RttFigures>>;
  tcp?: Throughput;
  tcpParallel?: Throughput;
  /** TO -> FROM, one stream: measured only when a hop has TSO/GSO off, to see what that direction costs against the other */
  tcpReverse?: Throughput;
  udp?: UdpFigures;
  /** why part of the path was not measured */
  notes: string[];
  /** whose data path measured it: the addon's (tcp_stream.c, rtt_probe.c) in both generators, or Node's (ICMP by ping) */
  generator?: 'native' | 'node';
}

/** One link on the way, where it lives, and what bounds it. */
export interface Hop {
  /** the container's name, or "host" */
  where: string;
  dev: string;
  /** from-eth, from-veth, bridge, to-veth, to-eth; on a swarm overlay from-underlay and to-underlay (each node's link toward the other) */
  role: string;
  mtu: number | null;
  offloads: Offloads;
  qdisc: { kind: string; rateBps: number | null } | null;
}

export interface HostFigures {
  cpus: number;
  conntrack: { count: number; max: number } | null;
  /** the busiest CPU's share of time in softirq during the single-stream test on the first path (0..1) */
  softirq: { cpu: string; share: number } | null;
}

export interface Finding {
  id: 'userland-proxy' | 'mtu-mismatch' | 'qdisc-rate' | 'conntrack-full' | 'softirq-core' | 'offloads-off' | 'overlay-fragmentation';
  /** the object named: a hop (dev in where), the proxy, the conntrack table */
  object: string;
  summary: string;
  evidence: string[];
  fix: string;
}

/** What the judges read: everything a run measured and observed. */
export interface PerfFacts {
  from: string;
  to: string;
  backend: string;
  hostNetns: string | null;
  pids: Record<string, number | null>;
  paths: PerfPath[];
  hops: Hop[];
  host: HostFigures;
  /** the shared network is a swarm overlay to TO on another node */
  overlay?: { network: string; attachable: boolean };
}

/** An IPv6 path's figures as a share of its IPv4 twin's (the same way, the same run): 100 = as fast, or the same RTT. */
export interface FamilyRatio {
  /** the IPv4 path's id (bridge); the IPv6 one is `${path}-v6` */
  path: string;
  tcpPct?: number;
  tcpParallelPct?: number;
  udpPct?: number;
  /** IPv6's RTT p50 as a share of IPv4's (above 100: slower) */
  rttP50Pct: Partial<Record<RttProbe, number>>;
}

export interface PerfReport extends PerfFacts {
  seconds: number;
  parallel: number;
  /** the families measured: every one the pair shares, or what --family asked */
  families: Family[];
  /** each path measured over both families: IPv6's figures as a share of IPv4's */
  ipv6OfIpv4: FamilyRatio[];
  findings: Finding[];
  ms: number;
}
