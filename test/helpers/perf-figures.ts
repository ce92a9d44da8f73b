import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { PairSandbox } from './pair-sandbox.js';
import { waitFor } from './sandbox.js';

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

/** iperf3 from web to db of a pair (-6: to db's IPv6 address), between the same two namespaces tsdiag measured: its receiver's rate. */
export async function iperf3Bps(p: PairSandbox, seconds: number, parallel = 1, family: 4 | 6 = 4): Promise<number> {
  const db = p.sb.containerNetns('db');
  const server = p.sb.background(db, ['iperf3', '-s', '-1', '-p', '5299']);
  try {
    await waitFor(async () => (await p.sb.inNetns(db, ['ss', '-ltn'])).stdout.includes(':5299'));
    const address = (await p.sb.inNetns(db, ['ip', `-${family}`, '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout.match(/inet6? ([\da-f.:]+)/)![1]!;
    const res = await p.sb.inNetns(p.sb.containerNetns('web'), ['iperf3', `-${family}`, '-c', address, '-p', '5299', '-t', String(seconds), '-P', String(parallel), '-J']);
    return JSON.parse(res.stdout).end.sum_received.bits_per_second;
  } finally {
    server.kill();
    await server;
  }
}

/** ping (-4 or -6) from web to an address, count probes at 10 ms: p10, p50, p90 of its times. */
export async function pingPercentiles(p: PairSandbox, address: string, count: number, family: 4 | 6 = 4): Promise<{ p10: number; p50: number; p90: number }> {
  const res = await p.sb.inNetns(p.sb.containerNetns('web'), ['ping', `-${family}`, '-n', '-c', String(count), '-i', '0.01', address]);
  const times = [...res.stdout.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const at = (q: number) => times[Math.max(0, Math.ceil(q * times.length) - 1)]!; // nearest rank
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9) };
}
