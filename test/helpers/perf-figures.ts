import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const AGENT = path.resolve(import.meta.dirname, '../../dist/perf/generator/agent.js');

/** A measured path's figures are sane: every probe answered, p50 <= p99 <= max, TCP at a rate a veth on this machine reaches. */
export function expectSanePath(p: any, count: number, probes: string[]): void {
  expect(Object.keys(p.rtt).sort(), p.id).toEqual([...probes].sort());
  for (const probe of probes) {
    const r = p.rtt[probe];
    expect(r.received, `${p.id} ${probe}`).toBe(count);
    expect(r.p50, `${p.id} ${probe}`).toBeGreaterThan(0);
    expect(r.p50, `${p.id} ${probe}`).toBeLessThanOrEqual(r.p99);
    expect(r.p99, `${p.id} ${probe}`).toBeLessThanOrEqual(r.max);
  }
  for (const t of [p.tcp, p.tcpParallel]) {
    expect(t.errors, p.id).toBeUndefined();
    expect(t.bps, p.id).toBeGreaterThan(50e6);
    expect(t.samples.length, p.id).toBeGreaterThan(3);
  }
}

/** pids of perf generators started from this checkout's build (another checkout's runs are not ours to judge). */
export async function generatorsOfThisCheckout(): Promise<number[]> {
  // a run's generators are stopped before the CLI exits; give the kernel a moment to reap them
  await new Promise((r) => setTimeout(r, 300));
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(AGENT);
    } catch {
      return false;
    }
  }).map(Number);
}
