import { familyName } from '../diag/families.js';
import { hostPortText } from '../netcore/ipv6.js';
import { ratioText } from './per-family.js';
import { formatRate, onOff } from './stats.js';
import type { Hop, PerfPath, PerfReport, RttFigures } from './types.js';

export function renderJson(r: PerfReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3)).padStart(8);

function rttLine(name: string, f: RttFigures | undefined): string | null {
  if (!f) return null;
  const lost = f.sent - f.received;
  return `    ${name.padEnd(12)}${num(f.p50)}${num(f.p90)}${num(f.p99)}${num(f.max)}   ${f.received}/${f.sent}${lost ? ` (${lost} lost)` : ''}${f.errors?.length ? `  ${f.errors[0]}` : ''}`;
}

function pathBlock(p: PerfPath): string[] {
  const out = [`  ${p.id} (${p.via}, ${familyName(p.family)}): ${p.detail}, ${hostPortText(p.address, p.port)}`];
  out.push(`    ${'RTT ms'.padEnd(12)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}   replies`);
  for (const [name, f] of Object.entries(p.rtt)) {
    const line = rttLine(name, f);
    if (line) out.push(line);
  }
  if (p.tcp) out.push(`    TCP, 1 stream     ${formatRate(p.tcp.bps)}`);
  if (p.tcpParallel) out.push(`    TCP, ${p.tcpParallel.streams} streams${' '.repeat(Math.max(1, 5 - String(p.tcpParallel.streams).length))}${formatRate(p.tcpParallel.bps)}`);
  if (p.tcpReverse) out.push(`    TCP, reverse      ${formatRate(p.tcpReverse.bps)} (TO -> FROM, 1 stream)`);
  if (p.udp) out.push(`    UDP at ${formatRate(p.udp.rateBps)}: ${formatRate(p.udp.bps)} received, loss ${p.udp.lossPct}% (${p.udp.sent - p.udp.received}/${p.udp.sent}), jitter ${p.udp.jitterMs} ms`);
  for (const n of p.notes) out.push(`    note: ${n}`);
  return out;
}

/** One hop as a table row: where, device, role, MTU, offloads, root qdisc (the TUI's perf view draws the same). */
export function hopLine(h: Hop): string {
  const where = (h.where === 'host' ? `host ${h.dev}` : `${h.where} ${h.dev}`).padEnd(24);
  const q = h.qdisc ? `${h.qdisc.kind}${h.qdisc.rateBps ? ` rate ${formatRate(h.qdisc.rateBps)}` : ''}` : '-';
  return `  ${where}${h.role.padEnd(10)} mtu ${String(h.mtu ?? '?').padEnd(6)} tso ${onOff(h.offloads.tso).padEnd(4)}gso ${onOff(h.offloads.gso).padEnd(4)}gro ${onOff(h.offloads.gro).padEnd(4)}qdisc ${q}`;
}

export function renderText(r: PerfReport): string {
  const lines = [`perf ${r.from} -> ${r.to} (${r.backend}), ${r.seconds} s per throughput test`, ''];
  for (const p of r.paths) lines.push(...pathBlock(p), '');
  for (const ratio of r.ipv6OfIpv4) lines.push(`  ${ratioText(ratio, r.parallel)}`);
  if (r.ipv6OfIpv4.length) lines.push('');
  lines.push('  hops:', ...r.hops.map(hopLine));
  const c = r.host.conntrack;
  lines.push(`  host: ${r.host.cpus} CPUs${r.host.softirq ? `, busiest softirq ${r.host.softirq.cpu} ${Math.round(r.host.softirq.share * 100)}%` : ''}${c ? `, conntrack ${c.count}/${c.max}` : ''}`, '');
  if (!r.findings.length) lines.push('no cause of slowness found');
  for (const f of r.findings) {
    lines.push(`SLOW ${f.id}: ${f.summary}`);
    for (const e of f.evidence) lines.push(`     ${e}`);
    lines.push(`     fix: ${f.fix}`);
  }
  lines.push(`(${r.ms} ms)`);
  return lines.join('\n') + '\n';
}
