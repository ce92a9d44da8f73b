import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACEFS, withDropReasons } from '../../src/netcore/kernel/drop-reasons.js';
import { bundleScript, buildKernelPath, inNs, removeKernelPath, send, sh, type KernelPath } from '../helpers/kernel-path.js';

// The kernel's drop reason for drops outside netfilter, from skb:kfree_skb in a private tracefs instance.
let kp: KernelPath;
const ours = () => fs.readdirSync(path.join(TRACEFS, 'instances')).filter((n) => n.startsWith(`tsdiag-${process.pid}-`));
const reasonsOf = (r: { reasons: { reason: string; location: string }[] }) => r.reasons.map((x) => `${x.reason}@${x.location}`);

beforeAll(() => {
  kp = buildKernelPath('dr');
  // S answers 10.61.1.1 by a route over another link: strict reverse-path filtering refuses what A sends
  sh('ip', '-n', kp.S, 'link', 'add', 's9', 'type', 'veth', 'peer', 'name', 's9p');
  for (const dev of ['s9', 's9p']) sh('ip', '-n', kp.S, 'link', 'set', dev, 'up');
  // A gives up on a neighbour after one unanswered ARP request 100 ms later
  inNs(kp.A, 'sysctl', '-qw', 'net.ipv4.neigh.a0.mcast_solicit=1', 'net.ipv4.neigh.a0.retrans_time_ms=100');
});

afterAll(() => {
  if (kp) removeKernelPath(kp);
});

describe('skb drop reasons', () => {
  it('a closed UDP port and a closed TCP port: NO_SOCKET', async () => {
    const udp = await withDropReasons(async () => send(kp.A, 'udp', '10.61.2.1', 7777));
    expect(reasonsOf(udp)).toContain('NO_SOCKET@__udp4_lib_rcv');
    const tcp = await withDropReasons(async () => send(kp.A, 'tcp', '10.61.2.1', 7778));
    expect(reasonsOf(tcp)).toContain('NO_SOCKET@tcp_v4_rcv');
    expect(ours()).toEqual([]);
  });

  it('rp_filter=1 with an asymmetric route: IP_RPFILTER', async () => {
    inNs(kp.S, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.s0.rp_filter=1');
    sh('ip', '-n', kp.S, 'route', 'add', '10.61.1.1/32', 'dev', 's9');
    try {
      const r = await withDropReasons(async () => send(kp.A, 'udp', '10.61.2.1', 7777));
      expect(r.reasons.map((x) => x.reason)).toContain('IP_RPFILTER');
    } finally {
      sh('ip', '-n', kp.S, 'route', 'del', '10.61.1.1/32', 'dev', 's9');
      inNs(kp.S, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.s0.rp_filter=0');
    }
  });

  it('a neighbour that never answers: NEIGH_FAILED', async () => {
    const r = await withDropReasons(async () => {
      send(kp.A, 'udp', '10.61.1.77', 7777);
      await new Promise((res) => setTimeout(res, 500));
    });
    expect(r.reasons.map((x) => x.reason)).toContain('NEIGH_FAILED');
  });

  it('removes its instance when fn throws', async () => {
    await expect(withDropReasons(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(ours()).toEqual([]);
  });

  it('removes its instance on SIGINT to the process tracing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-drops-'));
    try {
      const script = bundleScript(
        `import { withDropReasons } from './src/netcore/kernel/drop-reasons.ts';
         await withDropReasons(async () => { console.log('tracing'); await new Promise(() => setInterval(() => {}, 1000)); });`,
        path.join(dir, 'drops-child.mjs'),
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('tracing')) resolve(); }));
      const instance = `tsdiag-${child.pid}-1`;
      expect(fs.existsSync(path.join(TRACEFS, 'instances', instance))).toBe(true);
      const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      expect(fs.existsSync(path.join(TRACEFS, 'instances', instance))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
