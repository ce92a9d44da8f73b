import { describe, expect, it } from 'vitest';
import { rttStats } from '../../../src/perf/stats.js';
import type { PerfSample } from '../../../src/perf/types.js';
import { PerfModel } from '../../../src/tui/model/perf-model.js';
import { RTT_BUCKETS, bucketLabel, bucketOf, emptyLive, foldSamples } from '../../../src/tui/model/perf.js';
import { bar, sparkline } from '../../../src/tui/views/perf-lines.js';
import { PERF_REPORT, fakeServices, recordedPerfSamples, tick } from './fakes.js';

const rtt = (path: string, ms: number): PerfSample => ({ kind: 'rtt', path, probe: 'icmp', ms });

describe('perf model: samples folded into buckets and series', () => {
  it('buckets are log-ish (1-2-5 per decade), each bound the start of the next bucket', () => {
    expect([0.01, 0.049, 0.05, 0.099, 0.1, 0.3, 0.9, 1, 4.9, 99, 100, 5000].map(bucketOf)).toEqual([0, 0, 1, 1, 2, 3, 4, 5, 6, 10, 11, 11]);
    expect([0, 1, 4, RTT_BUCKETS - 1].map(bucketLabel)).toEqual(['<0.05', '0.05-0.1', '0.5-1', '>=100']);
  });

  it('the recorded run folded: every probe counted, p50 and p99 as the report has them, the 100 ms series in order', () => {
    const live = foldSamples(emptyLive(), recordedPerfSamples());
    expect(live.paths.map((p) => p.id)).toEqual(['bridge', 'published']);
    for (const path of PERF_REPORT.paths) {
      const got = live.paths.find((p) => p.id === path.id)!;
      for (const [probe, f] of Object.entries(path.rtt)) {
        const h = got.rtt[probe as keyof typeof path.rtt]!;
        expect(h.counts.reduce((a, b) => a + b, 0), probe).toBe(f.samples.length);
        expect({ p50: h.p50, p99: h.p99 }, `${path.id} ${probe}`).toEqual({ p50: f.p50, p99: f.p99 });
      }
      expect(got.throughput.tcp!.bps).toEqual(path.tcp!.samples.map((s) => s.bps));
      expect(got.throughput['tcp-parallel']!.peak).toBe(Math.max(...path.tcpParallel!.samples.map((s) => s.bps)));
    }
    expect(live.current).toEqual({ path: 'published', what: 'tcp-parallel' });
    expect(live.samples).toBe(recordedPerfSamples().length);
  });

  it('folding in batches of any size gives what one fold gives; an untouched path keeps its objects', () => {
    const all = recordedPerfSamples();
    const once = foldSamples(emptyLive(), all);
    for (const size of [1, 7, 64]) {
      let live = emptyLive();
      for (let i = 0; i < all.length; i += size) live = foldSamples(live, all.slice(i, i + size));
      expect(live).toEqual(once);
    }
    const before = foldSamples(emptyLive(), [rtt('bridge', 0.1), rtt('published', 2)]);
    const after = foldSamples(before, [rtt('published', 3)]);
    expect(after.paths[0]).toBe(before.paths[0]);
    expect(after.paths[1]!.rtt.icmp!.sorted).toEqual([2, 3]);
    expect(foldSamples(after, [])).toBe(after);
  });

  it('p50 and p99 are nearest-rank, as the CLI report computes them', () => {
    const ms = Array.from({ length: 200 }, (_, i) => (i % 50) * 0.07 + 0.01);
    const h = foldSamples(emptyLive(), ms.map((m) => rtt('bridge', m))).paths[0]!.rtt.icmp!;
    const s = rttStats(ms, ms.length);
    expect(h.p50! - s.p50!).toBeCloseTo(0, 3);
    expect(h.p99! - s.p99!).toBeCloseTo(0, 3);
  });

  it('bars: ▁ for the least that is something, █ for the max, a space for nothing; a sparkline keeps the newest', () => {
    expect([0, 1, 50, 99, 100].map((v) => bar(v, 100)).join('')).toBe(' ▁▄██');
    expect(sparkline([1, 2, 3, 4, 8], 8, 3)).toBe('▃▄█');
  });
});

describe('perf model: a run', () => {
  it('needs a pair of one backend; folds the samples at the render rate; the report at the end', async () => {
    const { services, perf } = fakeServices();
    const model = new PerfModel(services.perf, { renderEveryMs: 10 });
    await model.run();
    expect(model.store.get().error).toBe('pick a source (f) and a target (t) first');
    model.setFrom({ backend: 'native', name: 'web' });
    model.setTo({ backend: 'docker', name: 'db' });
    expect(model.blocker()).toBe('web and db belong to different backends');
    model.setTo({ backend: 'native', name: 'db' });
    const done = model.run();
    expect(model.store.get()).toMatchObject({ phase: 'running', progress: 'bridge: RTT', error: null });
    expect(model.blocker()).toMatch(/in progress/);
    await perf.step(10);
    await tick();
    expect(model.store.get().live.samples).toBe(10);
    await perf.step();
    await done;
    expect(model.store.get()).toMatchObject({ phase: 'done', report: PERF_REPORT, progress: null });
    expect(model.store.get().live.samples).toBe(recordedPerfSamples().length);
    expect(perf.requests).toEqual([{ backend: 'native', from: 'web', to: 'db' }]);
  });

  it('stop aborts the run: its signal fires, the phase says stopped, a new run can start', async () => {
    const { services, perf } = fakeServices();
    const model = new PerfModel(services.perf, { renderEveryMs: 10 });
    model.setFrom({ backend: 'native', name: 'web' });
    model.setTo({ backend: 'native', name: 'db' });
    void model.run();
    await perf.step(5);
    await model.stop();
    expect(perf.aborted).toBe(1);
    expect(model.store.get()).toMatchObject({ phase: 'stopped', error: null });
    expect(model.busy).toBe(false);
    expect(model.blocker()).toBeNull();
  });
});
