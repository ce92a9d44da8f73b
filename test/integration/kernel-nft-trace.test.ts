import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRule, readRuleset } from '../../src/netcore/kernel/nft/ruleset.js';
import { withNftTrace, type ProbeMatch } from '../../src/netcore/kernel/nft/trace.js';
import { bundleScript, buildKernelPath, inNs, removeKernelPath, send, sh, type KernelPath } from '../helpers/kernel-path.js';

// A drop rule in each nf_tables family the doctor meets, and the trace of the probe naming it.
let kp: KernelPath;
const nft = (ns: string, script: string) => execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script.replaceAll('; ', '\n').replaceAll('}', '}\n') });
const tables = (ns: string) => inNs(ns, 'nft', 'list', 'tables');
const timings: Record<string, unknown>[] = [];

beforeAll(() => {
  kp = buildKernelPath('tr');
  nft(kp.S, 'table inet tf { chain input { type filter hook input priority 0; policy accept; tcp dport 80 counter drop; } }');
  nft(kp.R, 'table ip tf { chain forward { type filter hook forward priority 0; policy accept; tcp dport 81 counter drop; } }');
  nft(kp.R, 'table bridge bf { chain forward { type filter hook forward priority 0; policy accept; ip daddr 10.61.2.2 tcp dport 82 counter drop; } }');
  nft(kp.S, 'table netdev nd { chain ing { type filter hook ingress device "s0" priority -500; policy accept; udp dport 83 drop; } }');
  inNs(kp.S, 'iptables-nft', '-A', 'INPUT', '-p', 'tcp', '--dport', '84', '-j', 'DROP');
  inNs(kp.S, 'iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '--dport', '86', '-j', 'DROP');
});

afterAll(() => {
  if (kp) removeKernelPath(kp);
  console.log('nftrace timings', JSON.stringify(timings));
});

async function dropOf(ns: string, match: ProbeMatch, from: string, opts: { ingressDevices?: string[] } = {}) {
  const res = await withNftTrace(ns, match, async () => send(from, match.proto as 'tcp' | 'udp', match.dst!, match.dport!), opts);
  timings.push({ port: match.dport, ...res.timing });
  expect(tables(ns)).not.toContain('tsdiag_trace');
  expect(res.packets.length).toBeGreaterThan(0);
  return res.packets[0]!;
}

describe('nftrace of the probe', () => {
  it('names the inet filter input rule that dropped it', async () => {
    const p = await dropOf(kp.S, { proto: 'tcp', src: '10.61.1.1', dst: '10.61.2.1', dport: 80 }, kp.A);
    expect(p.verdict).toBe('drop');
    expect(p.decidedBy).toMatchObject({ family: 'inet', table: 'tf', chain: 'input', kind: 'rule', verdict: 'drop' });
    const rule = findRule(await readRuleset(kp.S), { family: 'inet', table: 'tf', chain: 'input', handle: p.decidedBy!.handle! });
    expect(rule!.text).toMatch(/^tcp dport 80 counter packets \d+ bytes \d+ drop$/);
  });

  it('names an ip forward rule on a router', async () => {
    const p = await dropOf(kp.R, { proto: 'tcp', src: '10.61.1.1', dst: '10.61.2.1', dport: 81 }, kp.A);
    expect(p.decidedBy).toMatchObject({ family: 'ip', table: 'tf', chain: 'forward', verdict: 'drop' });
    expect(p.decidedBy!.handle).toBeGreaterThan(0);
  });

  it('names a bridge forward rule for bridged frames', async () => {
    const p = await dropOf(kp.R, { proto: 'tcp', src: '10.61.2.1', dst: '10.61.2.2', dport: 82 }, kp.S);
    expect(p.iif).toBe('r2');
    expect(p.decidedBy).toMatchObject({ family: 'bridge', table: 'bf', chain: 'forward', verdict: 'drop' });
  });

  it('names a netdev ingress rule when the device is traced', async () => {
    const p = await dropOf(kp.S, { proto: 'udp', src: '10.61.1.1', dst: '10.61.2.1', dport: 83 }, kp.A, { ingressDevices: ['s0'] });
    expect(p.decidedBy).toMatchObject({ family: 'netdev', table: 'nd', chain: 'ing', verdict: 'drop' });
  });

  it('names an iptables-nft rule as an nf_tables rule of ip filter', async () => {
    const p = await dropOf(kp.S, { proto: 'tcp', src: '10.61.1.1', dst: '10.61.2.1', dport: 84 }, kp.A);
    expect(p.decidedBy).toMatchObject({ family: 'ip', table: 'filter', chain: 'INPUT', kind: 'rule', verdict: 'drop' });
    expect(p.decidedBy!.text).toMatch(/tcp dport 84 counter packets \d+ bytes \d+ drop/);
  });

  it('shows the policies of an accepted path, and the reply leaving', async () => {
    const res = await withNftTrace(kp.S, { proto: 'tcp', src: '10.61.1.1', dst: '10.61.2.1', dport: 85 }, async () => send(kp.A, 'tcp', '10.61.2.1', 85));
    const [syn, rst] = res.packets;
    expect(syn!.verdict).toBe('accept');
    expect(syn!.decidedBy).toMatchObject({ kind: 'policy', verdict: 'accept' });
    expect(syn!.steps.map((s) => `${s.family} ${s.table} ${s.chain}`)).toEqual(expect.arrayContaining(['ip filter INPUT', 'inet tf input']));
    expect(rst!.oif).toBe('s0');
  });

  it('does not see iptables-legacy rules (the caller falls back to counters)', async () => {
    const res = await withNftTrace(kp.S, { proto: 'tcp', src: '10.61.1.1', dst: '10.61.2.1', dport: 86 }, async () => send(kp.A, 'tcp', '10.61.2.1', 86));
    expect(res.packets.length).toBeGreaterThan(0);
    expect(res.packets.every((p) => p.verdict === 'accept')).toBe(true);
    expect(inNs(kp.S, 'iptables-legacy', '-L', 'INPUT', '-vn')).toMatch(/^\s+[1-9]\d*\s+\d+\s+DROP/m);
  });
});

describe('nftrace cleanup', () => {
  it('removes its tables when fn throws', async () => {
    await expect(withNftTrace(kp.S, { proto: 'tcp', dport: 80 }, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(tables(kp.S)).not.toContain('tsdiag_trace');
  });

  it('removes its tables and stops the monitor on SIGINT to the process tracing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-nftrace-'));
    try {
      const script = bundleScript(
        `import { withNftTrace } from './src/netcore/kernel/nft/trace.ts';
         await withNftTrace(${JSON.stringify(kp.S)}, { proto: 'tcp', dport: 80 }, async () => { console.log('tracing'); await new Promise(() => setInterval(() => {}, 1000)); });`,
        path.join(dir, 'trace-child.mjs'),
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('tracing')) resolve(); }));
      expect(tables(kp.S)).toContain('tsdiag_trace');
      const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      expect(tables(kp.S)).not.toContain('tsdiag_trace');
      expect(sh('ps', '-eo', 'args')).not.toMatch(new RegExp(`nsenter --net=/run/netns/${kp.S} -- nft`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
