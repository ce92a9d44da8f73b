/** The figures of a set of RTT samples, in milliseconds; null figures when no probe came back. */
export interface RttStats {
  sent: number;
  received: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** The q-quantile (0..1) of sorted values, nearest rank (as ping's and iperf3's summaries pick a sample, never interpolate). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function rttStats(samplesMs: readonly number[], sent: number): RttStats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return { sent, received: s.length, p50: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), p99: r(quantile(s, 0.99)), max: r(s.at(-1) ?? null) };
}

/**
 * RFC 3550's interarrival jitter (section 6.4.1), as iperf3 reports it for
 * UDP: the running mean of |D| with gain 1/16, where D is how much the
 * transit time of a packet differs from the one before it. Sender and
 * receiver read the same monotonic clock here (one machine), but only
 * differences count, so an offset between them would not matter.
 */
export class Jitter {
  private lastTransit: number | null = null;
  private j = 0;

  /** sentMs and arrivedMs of one packet, in arrival order */
  add(sentMs: number, arrivedMs: number): void {
    const transit = arrivedMs - sentMs;
    if (this.lastTransit !== null) this.j += (Math.abs(transit - this.lastTransit) - this.j) / 16;
    this.lastTransit = transit;
  }

  get ms(): number {
    return this.j;
  }
}

/** Bits per second from a byte count over a span of milliseconds (0 for an empty span). */
export function bitsPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? (bytes * 8 * 1000) / ms : 0;
}

/** 123456789 -> "123 Mbit/s", as iperf3 prints rates (decimal prefixes). */
export function formatRate(bps: number): string {
  const units: Array<[number, string]> = [[1e9, 'Gbit/s'], [1e6, 'Mbit/s'], [1e3, 'Kbit/s']];
  for (const [scale, unit] of units) if (bps >= scale) return `${(bps / scale).toFixed(bps / scale >= 100 ? 0 : 2)} ${unit}`;
  return `${Math.round(bps)} bit/s`;
}

/** an offload flag as ethtool prints it (?: not reported) */
export const onOff = (v: boolean | null): string => (v === null ? '?' : v ? 'on' : 'off');
