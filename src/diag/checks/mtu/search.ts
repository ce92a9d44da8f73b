/**
 * The largest ICMP payload that crosses a path with DF set, found in a few
 * rounds of parallel probes: first the full size, then the payloads of the
 * usual link MTUs (PPPoE, VXLAN, WireGuard, IPsec, ...), then evenly spaced
 * sizes between the largest that passed and the smallest that failed. A round
 * with a loss costs one probe timeout, so a few rounds stay within seconds.
 */
export interface DfProbe {
  /** ICMP payload bytes: the IP packet is size + 28 */
  size: number;
  ok: boolean;
  /** the MTU an ICMP "fragmentation needed" (or the local route cache) reported, if any */
  reportedMtu: number | null;
  /** the router that sent it (absent: none, or the sender's own route cache, which names no one) */
  reportedBy?: string | null;
}

export const IP_ICMP_HEADERS = 28;
/** IPv6's fixed header and ICMPv6's: a 1500-byte packet carries 1452 bytes of ping payload */
export const IP6_ICMP6_HEADERS = 48;
const COMMON_MTUS = [1500, 1492, 1480, 1460, 1450, 1440, 1420, 1400, 1380, 1360, 1300, 1280, 1200, 1000, 576, 68];
const FANOUT = 31;

const largestOk = (probes: DfProbe[]) => Math.max(-1, ...probes.filter((p) => p.ok).map((p) => p.size));

/** The payload sizes of the next round; empty when the search is over. */
export function nextSizes(probes: DfProbe[], full: number, headers = IP_ICMP_HEADERS): number[] {
  const tried = new Set(probes.map((p) => p.size));
  const untried = (sizes: number[]) => [...new Set(sizes)].filter((s) => s > 0 && s <= full && !tried.has(s));
  if (!probes.length) return [full];
  const lo = largestOk(probes);
  if (lo === full) return [];
  const hi = Math.min(full + 1, ...probes.filter((p) => !p.ok && p.size > lo).map((p) => p.size));
  const reported = probes.map((p) => p.reportedMtu).filter((m): m is number => m !== null).map((m) => m - headers);
  if (lo < 0) {
    const common = untried([...reported, ...COMMON_MTUS.map((m) => m - headers)].filter((s) => s < hi));
    return common;
  }
  if (hi - lo <= 1) return [];
  const gap = hi - lo;
  const steps = Math.min(FANOUT, gap - 1);
  const evenly = Array.from({ length: steps }, (_, i) => lo + Math.round(((i + 1) * gap) / (steps + 1)));
  return untried([...reported.filter((s) => s > lo && s < hi), ...evenly].filter((s) => s > lo && s < hi));
}

/** Runs the search with a probe function; returns every probe, smallest first. */
export async function searchLargestPayload(probe: (size: number) => Promise<DfProbe>, full: number, maxRounds = 6, headers = IP_ICMP_HEADERS): Promise<DfProbe[]> {
  const probes: DfProbe[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const sizes = nextSizes(probes, full, headers);
    if (!sizes.length) break;
    probes.push(...(await Promise.all(sizes.map(probe))));
  }
  return probes.sort((a, b) => a.size - b.size);
}

export function largestPassing(probes: DfProbe[]): number | null {
  const lo = largestOk(probes);
  return lo < 0 ? null : lo;
}

/** "Frag needed and DF set (mtu = 1400)", "local error: message too long, mtu=1400", ICMPv6's "Packet too big: mtu=1400" */
export function mtuReportedIn(pingOutput: string): number | null {
  const m = /mtu ?= ?(\d+)/.exec(pingOutput);
  return m ? Number(m[1]) : null;
}

/** The router an ICMP error came from: "From 172.18.255.254 icmp_seq=1 Frag needed …", "From fd00:1::fffe icmp_seq=1 Packet too big: mtu=1400" */
export function reporterIn(pingOutput: string): string | null {
  return /^From (\S+?)(?: \([^)]*\))? icmp_seq=\d+ (?:Frag needed|Packet too big)/m.exec(pingOutput)?.[1] ?? null;
}
