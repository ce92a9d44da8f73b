import { formatRate } from '../../perf/stats.js';
import type { Hop, PerfPath, PerfReport, RttProbe, ThroughputTest } from '../../perf/types.js';
import { PROBE_ORDER, bucketOf, RTT_BOUNDS_MS, RTT_BUCKETS, TEST_ORDER, type PathLive, type PerfLive, type RttHistogram } from '../model/perf.js';
import { wrapLines } from './text.js';

/** A piece of a line in one colour; a line is a list of them (the view gives each its <Text>). */
export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
}
export type Line = Seg[];

const BARS = '▁▂▃▄▅▆▇█';
/** characters per RTT bucket */
const CELL = 2;
const LABEL = 6;
const P50_COLOR = 'cyan';
const P99_COLOR = 'yellow';

const PROBE_LABEL: Record<RttProbe, string> = { icmp: 'icmp', 'tcp-connect': 'tcp', 'udp-echo': 'udp' };
const TEST_LABEL: Record<ThroughputTest, string> = { tcp: 'TCP×1', 'tcp-parallel': 'TCP×N', udp: 'UDP', 'tcp-reverse': 'TCP←' };

/** a bar of `v` against `max`: ▁ for the least that is not nothing, █ for the max; a space for nothing */
export function bar(v: number, max: number): string {
  if (v <= 0 || max <= 0) return ' ';
  return BARS[Math.min(BARS.length - 1, Math.max(0, Math.ceil((v / max) * BARS.length) - 1))]!;
}

/** The newest values that fit in `width` characters, one bar each, scaled to `max`. */
export function sparkline(values: readonly number[], max: number, width: number): string {
  return values.slice(-Math.max(1, width)).map((v) => bar(v, max)).join('');
}

const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(3) : v.toFixed(1));

/** The bucket bounds under the histograms, at the decades: ".1" where the 0.1 ms bucket starts, and so on. */
function axisLine(): Line {
  // room past the last bucket for the last label (">=100" is its bucket: "100" starts it)
  const cells = Array.from({ length: RTT_BUCKETS * CELL + 2 }, () => ' ');
  RTT_BOUNDS_MS.forEach((b, i) => {
    if (!Number.isInteger(Math.log10(b))) return;
    const label = b < 1 ? String(b).slice(1) : String(b);
    [...label].forEach((ch, k) => { if ((i + 1) * CELL + k < cells.length) cells[(i + 1) * CELL + k] = ch; });
  });
  return [{ text: 'ms'.padEnd(LABEL), color: 'gray' }, { text: cells.join(''), color: 'gray' }];
}

/** One probe's histogram: a bar per bucket (the p50 and p99 buckets coloured) and p50; under it ▲ at p50 and p99, p99 and the count. */
function histogramLines(probe: RttProbe, h: RttHistogram): Line[] {
  const max = Math.max(...h.counts);
  const p50 = h.p50 === null ? -1 : bucketOf(h.p50);
  const p99 = h.p99 === null ? -1 : bucketOf(h.p99);
  const bars: Line = [{ text: PROBE_LABEL[probe].padEnd(LABEL) }];
  const marks: Line = [{ text: ' '.repeat(LABEL) }];
  h.counts.forEach((c, i) => {
    const color = i === p50 ? P50_COLOR : i === p99 ? P99_COLOR : undefined;
    bars.push({ text: bar(c, max).repeat(CELL), color });
    marks.push(i === p50 || i === p99 ? { text: '▲'.padEnd(CELL), color } : { text: ' '.repeat(CELL) });
  });
  bars.push({ text: ' p50 ' }, { text: ms(h.p50), color: P50_COLOR, bold: true });
  marks.push({ text: ' p99 ' }, { text: ms(h.p99), color: P99_COLOR, bold: true }, { text: `  n ${h.sorted.length}`, color: 'gray' });
  return [bars, marks];
}

function throughputLines(live: PathLive, done: PerfPath | undefined, width: number): Line[] {
  const tests = TEST_ORDER.filter((t) => live.throughput[t]);
  const peak = Math.max(0, ...tests.map((t) => live.throughput[t]!.peak));
  return tests.map((t) => {
    const s = live.throughput[t]!;
    // the report's figure once there is one: bytes over the whole test, not the mean of the intervals
    const final = t === 'tcp' ? done?.tcp?.bps : t === 'tcp-parallel' ? done?.tcpParallel?.bps : done?.udp?.bps;
    const label = t === 'tcp-parallel' && done?.tcpParallel ? `TCP×${done.tcpParallel.streams}` : TEST_LABEL[t];
    const rate = formatRate(final ?? s.mean);
    return [
      { text: label.padEnd(LABEL) },
      { text: sparkline(s.bps, peak, width - LABEL - rate.length - 1), color: 'green' },
      { text: ` ${rate}`, bold: final !== undefined },
    ];
  });
}

function pathTitle(live: PathLive, done: PerfPath | undefined): Line {
  return [{ text: live.id, bold: true, color: 'cyan' }, { text: done ? ` (${done.via}): ${done.detail}, ${done.address}:${done.port}` : '', color: 'gray' }];
}

/** UDP's loss and jitter, and why part of a path was not measured: only the report knows them. */
function pathNotes(done: PerfPath | undefined): Line[] {
  if (!done) return [];
  const out: Line[] = [];
  if (done.udp) out.push([{ text: ' '.repeat(LABEL) }, { text: `loss ${done.udp.lossPct}% (${done.udp.sent - done.udp.received}/${done.udp.sent}), jitter ${done.udp.jitterMs} ms, at ${formatRate(done.udp.rateBps)}`, color: done.udp.lossPct > 0 ? 'yellow' : undefined }]);
  for (const n of done.notes) out.push([{ text: `note: ${n}`, color: 'gray' }]);
  return out;
}

/** Each path's block (title, RTT histograms, throughput series) and the line its block starts at. */
export function pathLines(live: PerfLive, report: PerfReport | null, width: number): { lines: Line[]; starts: Map<string, number> } {
  const lines: Line[] = [];
  const starts = new Map<string, number>();
  for (const p of live.paths) {
    const done = report?.paths.find((x) => x.id === p.id);
    starts.set(p.id, lines.length);
    lines.push(pathTitle(p, done));
    const probes = PROBE_ORDER.filter((x) => p.rtt[x]);
    if (probes.length) lines.push(axisLine(), ...probes.flatMap((x) => histogramLines(x, p.rtt[x]!)));
    lines.push(...throughputLines(p, done, width), ...pathNotes(done), []);
  }
  return { lines, starts };
}

const HOP_NAME = 20;

/** A hop in a pane's width: where and device, role, MTU, the offloads that are on, the root qdisc (and its rate). */
function hopRow(h: Hop): Line {
  const on = (['tso', 'gso', 'gro'] as const).filter((k) => h.offloads[k]).join(' ') || '-';
  const q = h.qdisc ? `${h.qdisc.kind}${h.qdisc.rateBps ? ` ${formatRate(h.qdisc.rateBps)}` : ''}` : '-';
  return [
    { text: `${h.where} ${h.dev}`.padEnd(HOP_NAME - 1) + ' ' },
    { text: h.role.padEnd(10), color: 'gray' },
    { text: String(h.mtu ?? '?').padEnd(6) },
    { text: on.padEnd(12) },
    { text: q, color: h.qdisc?.rateBps ? 'yellow' : undefined },
  ];
}

/** After the run: the findings with their fixes (or that none was found), then the hops table. */
export function reportLines(r: PerfReport, width: number): Line[] {
  const out: Line[] = [];
  if (!r.findings.length) out.push([{ text: 'no cause of slowness found', color: 'green' }]);
  for (const f of r.findings) {
    out.push(...wrapLines([`SLOW ${f.id}: ${f.summary}`], width).map((t, i): Line => [{ text: t, color: 'red', bold: i === 0 }]));
    out.push(...wrapLines(f.evidence.map((e) => `     ${e}`), width).map((t): Line => [{ text: t, color: 'gray' }]));
    out.push(...wrapLines([`     fix: ${f.fix}`], width).map((t): Line => [{ text: t, color: 'green' }]));
  }
  out.push([], [{ text: `hops  ${'role'.padEnd(10)}${'mtu'.padEnd(6)}${'offloads'.padEnd(12)}qdisc`.replace('hops', 'hops'.padEnd(HOP_NAME)), bold: true }]);
  if (!r.hops.length) out.push([{ text: '(none: both ends on the host\'s network)', color: 'gray' }]);
  out.push(...r.hops.map(hopRow));
  const c = r.host.conntrack;
  out.push([{ text: `  host: ${r.host.cpus} CPUs${r.host.softirq ? `, busiest softirq ${r.host.softirq.cpu} ${Math.round(r.host.softirq.share * 100)}%` : ''}${c ? `, conntrack ${c.count}/${c.max}` : ''}, ${r.ms} ms`, color: 'gray' }]);
  return out;
}
