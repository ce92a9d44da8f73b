import type { Family } from '../diag/families.js';
import { run } from '../netcore/kernel/exec.js';
import { readCpuTicks, type CpuTicks } from '../netcore/kernel/cpu-stat.js';
import type { Generator } from './generator/client.js';
import type { EngineResult, RttResult, SessionResult } from './generator/protocol.js';
import type { PlannedPath } from './paths.js';
import { bitsPerSecond, rttStats } from './stats.js';
import type { HostFigures, PerfPath, PerfSample, RttFigures, RttProbe, Throughput, ThroughputTest, UdpFigures } from './types.js';

export interface MeasureOptions {
  seconds: number;
  parallel: number;
  count: number;
  udpRateBps: number;
  onSample: (s: PerfSample) => void;
  onProgress: (line: string) => void;
}

export interface MeasureContext {
  sender: Generator;
  receiver: Generator;
  fromNetns: string | null;
  /** the receiver's sample events, routed to the test whose session they belong to */
  samplesBySession: Map<number, (atMs: number, bytes: number) => void>;
  /** the narrowest hop's MTU: the UDP test's datagrams fill it without fragments */
  pathMtu: number;
}

/** IP and UDP headers: 20 + 8 over IPv4, 40 + 8 over IPv6 */
const UDP_OVERHEAD = { 4: 28, 6: 48 } as const;

/** The UDP test's payload: what one unfragmented datagram carries on the path, 64..1472 bytes (1452 over IPv6). */
export const udpPayload = (pathMtu: number, family: Family): number =>
  Math.max(64, Math.min(1500, pathMtu) - UDP_OVERHEAD[family]);

const RTT_INTERVAL_MS = 10;
const RTT_TIMEOUT_MS = 1000;
let nextSession = 1;

/** Every test a path can take, one after the other (never two at once: they would share the path and the CPUs). */
export async function measurePath(p: PlannedPath, ctx: MeasureContext, o: MeasureOptions): Promise<{ path: PerfPath; softirq: HostFigures['softirq'] }> {
  const engines = await Promise.all([ctx.sender.call('engine', {}), ctx.receiver.call('engine', {})]);
  // an addon build without IPv6 sends IPv6 through Node's sender (native-sender.ts): the path is then Node's
  const nativeFor = (e: EngineResult) => e.engine === 'native' && (p.family === 4 || e.ipv6 === true);
  const native = engines.every(nativeFor);
  const path: PerfPath = {
    id: p.id, via: p.via, family: p.family, address: p.address, port: p.dataPort ?? p.rttPort, detail: p.detail, proxyPid: p.proxyPid, rtt: {}, notes: [...p.notes],
    generator: native ? 'native' : 'node',
  };
  const rttArgs = (port: number) => ({ to: p.address, port, count: o.count, intervalMs: RTT_INTERVAL_MS, timeoutMs: RTT_TIMEOUT_MS });
  const rtt = (probe: RttProbe, r: RttResult): RttFigures => {
    for (const ms of r.samples) o.onSample({ kind: 'rtt', path: p.id, probe, ms });
    return { ...rttStats(r.samples, o.count), samples: r.samples.map((x) => Math.round(x * 1000) / 1000), ...(r.errors.length ? { errors: r.errors } : {}) };
  };
  o.onProgress(`${p.id}: RTT`);
  if (p.udpOnly && p.dataPort) {
    path.rtt['udp-echo'] = rtt('udp-echo', await ctx.sender.call('udpEchoRtt', rttArgs(p.dataPort)));
    path.udp = await udpTest(p, p.dataPort, ctx, o);
    return { path, softirq: null };
  }
  if (p.icmpAndUdp) {
    const icmp = nativeFor(engines[0]!) ? await ctx.sender.call('icmpEchoRtt', rttArgs(0)) : await pingRtt(p.address, p.family, o.count, ctx.fromNetns);
    path.rtt.icmp = rtt('icmp', icmp);
  }
  path.rtt['tcp-connect'] = rtt('tcp-connect', await ctx.sender.call('tcpConnectRtt', rttArgs(p.rttPort)));
  if (p.icmpAndUdp && p.dataPort) path.rtt['udp-echo'] = rtt('udp-echo', await ctx.sender.call('udpEchoRtt', rttArgs(p.dataPort)));
  if (!p.dataPort) return { path, softirq: null };

  o.onProgress(`${p.id}: TCP, 1 stream, ${o.seconds} s`);
  const before = readCpuTicks();
  path.tcp = await tcpTest(p, p.dataPort, 1, 'tcp', ctx, o);
  const softirq = busiestSoftirq(before, readCpuTicks());
  o.onProgress(`${p.id}: TCP, ${o.parallel} streams, ${o.seconds} s`);
  path.tcpParallel = await tcpTest(p, p.dataPort, o.parallel, 'tcp-parallel', ctx, o);
  if (p.icmpAndUdp) {
    path.udp = await udpTest(p, p.dataPort, ctx, o);
  }
  return { path, softirq };
}

/**
 * TO -> FROM, one stream, over the path's hops: the generators swap roles
 * (FROM's listens, TO's sends to FROM's address). Run only when a hop's
 * offloads are off in one direction, to measure what that costs.
 */
export async function reverseTcp(p: PlannedPath, fromAddress: string, ctx: MeasureContext, o: MeasureOptions): Promise<Throughput> {
  o.onProgress(`${p.id}: TCP reverse, 1 stream, ${o.seconds} s`);
  const { port } = await ctx.sender.call('listen', { prefer: [] });
  const swapped: MeasureContext = { ...ctx, sender: ctx.receiver, receiver: ctx.sender };
  return tcpTest({ ...p, address: fromAddress }, port, 1, 'tcp-reverse', swapped, o);
}

/** A receiver session opened, the sender's test run, the receiver's count of it read once the traffic stopped. */
async function withSession<T>(kind: 'tcp' | 'udp', test: ThroughputTest, p: PlannedPath, ctx: MeasureContext, o: MeasureOptions,
  send: (session: number) => Promise<T>): Promise<{ sent: T; got: SessionResult; samples: Throughput['samples'] }> {
  const session = nextSession++;
  const samples: Throughput['samples'] = [];
  let start: number | null = null;
  let last: number | null = null;
  ctx.samplesBySession.set(session, (atMs, bytes) => {
    start ??= atMs - 100;
    const bps = bitsPerSecond(bytes, atMs - (last ?? start));
    last = atMs;
    const s = { tMs: Math.round(atMs - start), bps: Math.round(bps) };
    samples.push(s);
    o.onSample({ kind: 'throughput', path: p.id, test, ...s });
  });
  try {
    await ctx.receiver.call('session', { session, kind });
    // the result is asked for before the send starts and awaited together with it: a generator that ends mid-test
    // (an abort, a crash) rejects both, and neither rejection is left unhandled
    const [got, sent] = await Promise.all([
      ctx.receiver.call('result', { session, idleMs: 300, timeoutMs: o.seconds * 1000 + 15_000 }), send(session),
    ]);
    return { sent, got, samples };
  } finally {
    ctx.samplesBySession.delete(session);
  }
}

async function tcpTest(p: PlannedPath, port: number, streams: number, test: ThroughputTest, ctx: MeasureContext, o: MeasureOptions): Promise<Throughput> {
  const { sent, got, samples } = await withSession('tcp', test, p, ctx, o, (session) =>
    ctx.sender.call('tcpSend', { to: p.address, port, session, streams, seconds: o.seconds }));
  const ms = got.firstMs !== null && got.lastMs !== null ? got.lastMs - got.firstMs : 0;
  return { streams, bps: Math.round(bitsPerSecond(got.bytes, ms)), bytes: got.bytes, ms: Math.round(ms), samples, ...(sent.errors.length ? { errors: sent.errors } : {}) };
}

async function udpTest(p: PlannedPath, port: number, ctx: MeasureContext, o: MeasureOptions): Promise<UdpFigures> {
  o.onProgress(`${p.id}: UDP at ${o.udpRateBps / 1e6} Mbit/s, ${o.seconds} s`);
  const size = udpPayload(ctx.pathMtu, p.family);
  const { sent, got } = await withSession('udp', 'udp', p, ctx, o, (session) =>
    ctx.sender.call('udpSend', { to: p.address, port, session, rateBps: o.udpRateBps, seconds: o.seconds, size }));
  const ms = got.firstMs !== null && got.lastMs !== null ? got.lastMs - got.firstMs : 0;
  const lost = Math.max(0, sent.sent - got.packets);
  return {
    rateBps: o.udpRateBps, size, sent: sent.sent, received: got.packets,
    lossPct: sent.sent ? Math.round((lost / sent.sent) * 10000) / 100 : 0, jitterMs: got.jitterMs, outOfOrder: got.outOfOrder,
    bps: Math.round(bitsPerSecond(got.bytes, ms)),
  };
}

/**
 * ICMP echo RTT through the system's ping in FROM's namespace, when the
 * generator has no addon (Node has no raw or ICMP socket): ping -4 or -6
 * (ICMPv6 echo); -i 0.01 needs root, as the whole run does.
 */
async function pingRtt(address: string, family: Family, count: number, netnsPath: string | null): Promise<RttResult> {
  const res = await run('ping', [`-${family}`, '-n', '-c', String(count), '-i', String(RTT_INTERVAL_MS / 1000), '-W', '1', address],
    { netnsPath, reject: false, timeoutMs: count * 1000 + 5000 });
  const samples = parsePingTimes(res.stdout);
  return { samples, errors: samples.length ? [] : [res.stderr.trim() || `no ICMP echo reply from ${address}`] };
}

export function parsePingTimes(text: string): number[] {
  return [...text.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

/** The CPU that spent the largest share of the interval in softirq. */
export function busiestSoftirq(before: CpuTicks[], after: CpuTicks[]): HostFigures['softirq'] {
  let best: HostFigures['softirq'] = null;
  for (const a of after) {
    const b = before.find((x) => x.cpu === a.cpu);
    const total = b ? a.total - b.total : 0;
    if (!b || total <= 0) continue;
    const share = Math.round(((a.softirq - b.softirq) / total) * 1000) / 1000;
    if (!best || share > best.share) best = { cpu: a.cpu, share };
  }
  return best;
}
