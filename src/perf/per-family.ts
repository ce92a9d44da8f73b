import { familiesText, familyName, FAMILIES, type Family } from '../diag/families.js';
import { UsageError } from '../netcore/errors.js';
import type { FamilyRatio, PerfPath, RttProbe } from './types.js';

/** --family: one family, or both (which the pair must share) */
export type FamilyChoice = Family | 'both';

export function parseFamilyChoice(text: string | undefined): FamilyChoice | undefined {
  if (text === undefined) return undefined;
  if (text === '4' || text === '6') return Number(text) as Family;
  if (text === 'both') return 'both';
  throw new UsageError(`invalid --family "${text}": 4, 6 or both`);
}

/**
 * The families a run measures: every one the pair can use (IPv4 first) by
 * default, or those asked for, each of which it must be able to use.
 */
export function pickFamilies(usable: readonly Family[], asked: FamilyChoice | undefined, pair: string): Family[] {
  const wanted = asked === undefined ? usable : asked === 'both' ? FAMILIES : [asked];
  const missing = wanted.filter((f) => !usable.includes(f));
  if (missing.length) {
    const have = usable.length ? `only ${familiesText(usable)}` : 'no address family';
    throw new UsageError(`${pair} share no ${familiesText(missing)} network (they share ${have}; tsdiag doctor says more)`);
  }
  return [...wanted];
}

/** An IPv6 path's id: the IPv4 one's with -v6 (bridge-v6), so both stand side by side in a report and a live view. */
export const pathIdIn = (id: string, f: Family): string => (f === 6 ? `${id}-v6` : id);

const pct = (v6: number | null | undefined, v4: number | null | undefined): number | undefined =>
  typeof v6 === 'number' && typeof v4 === 'number' && v4 > 0 ? Math.round((v6 / v4) * 100) : undefined;

/** Every IPv6 path that has an IPv4 twin in the run: its figures as a share of the twin's. */
export function familyRatios(paths: readonly PerfPath[]): FamilyRatio[] {
  return paths.filter((p) => p.family === 6).flatMap((v6): FamilyRatio[] => {
    const v4 = paths.find((p) => p.family === 4 && pathIdIn(p.id, 6) === v6.id);
    if (!v4) return [];
    const rttP50Pct: FamilyRatio['rttP50Pct'] = {};
    for (const probe of Object.keys(v6.rtt) as RttProbe[]) {
      const r = pct(v6.rtt[probe]?.p50, v4.rtt[probe]?.p50);
      if (r !== undefined) rttP50Pct[probe] = r;
    }
    const out: FamilyRatio = { path: v4.id, rttP50Pct };
    const tcp = pct(v6.tcp?.bps, v4.tcp?.bps);
    const tcpParallel = pct(v6.tcpParallel?.bps, v4.tcpParallel?.bps);
    const udp = pct(v6.udp?.bps, v4.udp?.bps);
    if (tcp !== undefined) out.tcpPct = tcp;
    if (tcpParallel !== undefined) out.tcpParallelPct = tcpParallel;
    if (udp !== undefined) out.udpPct = udp;
    return [out];
  });
}

/** "IPv6 on bridge: TCP 1 stream 97% of IPv4, 4 streams 95%, UDP 100%; RTT p50 icmp 104%, tcp-connect 101% of IPv4's" */
export function ratioText(r: FamilyRatio, parallel: number): string {
  const rates = [
    r.tcpPct !== undefined ? `TCP 1 stream ${r.tcpPct}%` : null,
    r.tcpParallelPct !== undefined ? `${parallel} streams ${r.tcpParallelPct}%` : null,
    r.udpPct !== undefined ? `UDP ${r.udpPct}%` : null,
  ].filter((x): x is string => x !== null);
  const rtt = Object.entries(r.rttP50Pct).map(([probe, v]) => `${probe} ${v}%`);
  const parts = [
    rates.length ? `${rates.join(', ')} of ${familyName(4)}` : null,
    rtt.length ? `RTT p50 ${rtt.join(', ')} of ${familyName(4)}'s` : null,
  ].filter((x): x is string => x !== null);
  return `${familyName(6)} on ${r.path}: ${parts.join('; ') || 'nothing measured on both'}`;
}
