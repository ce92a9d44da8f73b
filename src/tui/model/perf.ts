import { quantile } from '../../perf/stats.js';
import type { PerfSample, RttProbe, ThroughputTest } from '../../perf/types.js';

/**
 * The perf view's figures, folded from runPerf's samples as they come (pure:
 * samples in, histograms and series out). RTT goes into log-ish buckets
 * (1-2-5 per decade: a veth's 0.08 ms and a proxy's 2 ms both get room);
 * throughput is one point per 100 ms interval the receiver counted.
 */

/** upper bounds of the RTT buckets in ms; one bucket more holds everything from the last bound up */
export const RTT_BOUNDS_MS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100] as const;
export const RTT_BUCKETS = RTT_BOUNDS_MS.length + 1;

export const PROBE_ORDER: RttProbe[] = ['icmp', 'tcp-connect', 'udp-echo'];
export const TEST_ORDER: ThroughputTest[] = ['tcp', 'tcp-parallel', 'udp', 'tcp-reverse'];

export interface RttHistogram {
  /** probes per bucket (RTT_BUCKETS of them) */
  counts: number[];
  /** every sample, ascending (the percentiles are read from it) */
  sorted: number[];
  p50: number | null;
  p99: number | null;
}

export interface ThroughputSeries {
  /** bits per second of each 100 ms interval, in order */
  bps: number[];
  /** the mean of the intervals so far */
  mean: number;
  peak: number;
}

export interface PathLive {
  id: string;
  rtt: Partial<Record<RttProbe, RttHistogram>>;
  throughput: Partial<Record<ThroughputTest, ThroughputSeries>>;
}

export interface PerfLive {
  /** in the order the run measured them */
  paths: PathLive[];
  /** what the latest sample belonged to: the test being measured */
  current: { path: string; what: RttProbe | ThroughputTest } | null;
  samples: number;
}

export const emptyLive = (): PerfLive => ({ paths: [], current: null, samples: 0 });

/** The bucket a round trip falls in: the first whose bound it is under. */
export function bucketOf(ms: number): number {
  const i = RTT_BOUNDS_MS.findIndex((b) => ms < b);
  return i < 0 ? RTT_BOUNDS_MS.length : i;
}

/** The bucket's range as a label: `<0.05`, `0.1-0.2`, `>=100` (ms). */
export function bucketLabel(i: number): string {
  if (i === 0) return `<${RTT_BOUNDS_MS[0]}`;
  if (i >= RTT_BOUNDS_MS.length) return `>=${RTT_BOUNDS_MS.at(-1)}`;
  return `${RTT_BOUNDS_MS[i - 1]}-${RTT_BOUNDS_MS[i]}`;
}

function addRtt(h: RttHistogram | undefined, ms: number[]): RttHistogram {
  const counts = h ? [...h.counts] : new Array<number>(RTT_BUCKETS).fill(0);
  for (const m of ms) counts[bucketOf(m)]!++;
  const sorted = [...(h?.sorted ?? []), ...ms].sort((a, b) => a - b);
  return { counts, sorted, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

function addThroughput(s: ThroughputSeries | undefined, bps: number[]): ThroughputSeries {
  const all = [...(s?.bps ?? []), ...bps];
  return { bps: all, mean: all.reduce((a, b) => a + b, 0) / all.length, peak: Math.max(...all) };
}

/**
 * A batch of samples folded into the figures: each path's histograms and
 * series grow, untouched ones are kept as they were (same objects), so a
 * batch costs its own size, not the run's.
 */
export function foldSamples(live: PerfLive, batch: readonly PerfSample[]): PerfLive {
  if (!batch.length) return live;
  const rtt = new Map<string, Map<RttProbe, number[]>>();
  const tput = new Map<string, Map<ThroughputTest, number[]>>();
  const order: string[] = [];
  for (const s of batch) {
    if (!order.includes(s.path)) order.push(s.path);
    if (s.kind === 'rtt') push(rtt, s.path, s.probe, s.ms);
    else push(tput, s.path, s.test, s.bps);
  }
  const paths = [...live.paths];
  for (const id of order) {
    let at = paths.findIndex((p) => p.id === id);
    if (at < 0) at = paths.push({ id, rtt: {}, throughput: {} }) - 1;
    const p = { ...paths[at]!, rtt: { ...paths[at]!.rtt }, throughput: { ...paths[at]!.throughput } };
    for (const [probe, ms] of rtt.get(id) ?? []) p.rtt[probe] = addRtt(p.rtt[probe], ms);
    for (const [test, bps] of tput.get(id) ?? []) p.throughput[test] = addThroughput(p.throughput[test], bps);
    paths[at] = p;
  }
  const last = batch.at(-1)!;
  return { paths, current: { path: last.path, what: last.kind === 'rtt' ? last.probe : last.test }, samples: live.samples + batch.length };
}

function push<K>(m: Map<string, Map<K, number[]>>, path: string, key: K, v: number): void {
  let byKey = m.get(path);
  if (!byKey) m.set(path, (byKey = new Map()));
  let list = byKey.get(key);
  if (!list) byKey.set(key, (list = []));
  list.push(v);
}
