import { describe, expect, it } from 'vitest';
import { Jitter, bitsPerSecond, formatRate, quantile, rttStats } from '../../../src/perf/stats.js';
import { busiestSoftirq, parsePingTimes } from '../../../src/perf/measure.js';
import { parseEthtoolFeatures } from '../../../src/netcore/kernel/offloads.js';

describe('perf stats', () => {
  it('quantiles by nearest rank; p50 <= p90 <= p99 <= max', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(s, 0.5), quantile(s, 0.9), quantile(s, 0.99)]).toEqual([50, 90, 99]);
    expect(quantile([], 0.5)).toBeNull();
    const r = rttStats([0.3, 0.1, 0.2, 5], 5);
    expect(r).toEqual({ sent: 5, received: 4, p50: 0.2, p90: 5, p99: 5, max: 5 });
  });

  it('jitter follows RFC 3550: J += (|D| - J) / 16', () => {
    const j = new Jitter();
    j.add(0, 1); // transit 1
    j.add(10, 12); // transit 2: D = 1
    expect(j.ms).toBeCloseTo(1 / 16);
    j.add(20, 21); // transit 1: D = 1
    expect(j.ms).toBeCloseTo(1 / 16 + (1 - 1 / 16) / 16);
    const steady = new Jitter();
    for (let i = 0; i < 100; i++) steady.add(i, i + 0.5);
    expect(steady.ms).toBe(0);
  });

  it('rates', () => {
    expect(bitsPerSecond(125_000_000, 1000)).toBe(1e9);
    expect(bitsPerSecond(10, 0)).toBe(0);
    expect(formatRate(12.9e9)).toBe('12.90 Gbit/s');
    expect(formatRate(199.6e6)).toBe('200 Mbit/s');
  });

  it('reads ping lines, ethtool -k and the busiest softirq CPU', () => {
    expect(parsePingTimes('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.045 ms\n64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=1.20 ms\n')).toEqual([0.045, 1.2]);
    expect(parseEthtoolFeatures('tcp-segmentation-offload: on\ngeneric-segmentation-offload: off\ngeneric-receive-offload: on\n')).toEqual({ tso: true, gso: false, gro: true });
    expect(parseEthtoolFeatures('')).toEqual({ tso: null, gso: null, gro: null });
    const before = [{ cpu: 'cpu0', total: 100, softirq: 10 }, { cpu: 'cpu1', total: 100, softirq: 0 }];
    const after = [{ cpu: 'cpu0', total: 200, softirq: 20 }, { cpu: 'cpu1', total: 200, softirq: 80 }];
    expect(busiestSoftirq(before, after)).toEqual({ cpu: 'cpu1', share: 0.8 });
  });
});
