import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon, type PerfCalls } from '../../src/netcore/kernel/native.js';
// the agent is a built file (dist/): a generator from there can start one
import { Generator } from '../../dist/perf/generator/client.js';

// The addon's perf calls (tcp_stream.c, rtt_probe.c) as tsdiag perf's generator
// uses them, between two namespaces this test makes (a veth pair, nothing
// else): every byte the sender's kernel took is counted by the receiver's
// threads, a connection that is not ours is dropped, unanswered and refused
// probes are errors, bad arguments throw before anything starts. Both
// namespaces are removed afterwards.
const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const [A, B] = [`tsdpfa${tag}`, `tsdpfb${tag}`];
const [IP_A, IP_B] = ['10.251.7.1', '10.251.7.2'];
const addon = nativeAddon() as (PerfCalls & object) | null;
const ip = (...args: string[]) => execFileSync('ip', args);
let sender: Generator;
let receiver: Generator;
const samples: Array<{ session: number; bytes: number }> = [];

beforeAll(() => {
  ip('netns', 'add', A);
  ip('netns', 'add', B);
  ip('-n', A, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', B);
  for (const [ns, addr] of [[A, IP_A], [B, IP_B]] as const) {
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
  sender = new Generator(`/run/netns/${A}`);
  receiver = new Generator(`/run/netns/${B}`, (e) => samples.push(e));
});

afterAll(async () => {
  await Promise.all([sender?.stop(), receiver?.stop()]);
  for (const ns of [A, B]) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
});

describe.skipIf(!addon?.tcpSend)('the addon\'s perf calls in a generator', () => {
  it('both generators run the native engine', async () => {
    expect(await sender.call('engine', {})).toEqual({ engine: 'native', ipv6: true });
    expect(await receiver.call('engine', {})).toEqual({ engine: 'native', ipv6: true });
  });

  it('TCP, 1 and 3 streams: the receiver counts exactly what the sender\'s kernel took, in 100 ms samples', async () => {
    const { port } = await receiver.call('listen', { prefer: [] });
    for (const [session, streams] of [[101, 1], [102, 3]] as const) {
      await receiver.call('session', { session, kind: 'tcp' });
      const got = receiver.call('result', { session, idleMs: 300, timeoutMs: 10_000 });
      const sent = await sender.call('tcpSend', { to: IP_B, port, session, streams, seconds: 1 });
      const r = await got;
      expect(sent).toMatchObject({ streams, errors: [] });
      expect(sent.bytesWritten).toBeGreaterThan(10e6);
      expect(r.bytes).toBe(sent.bytesWritten);
      expect(r.lastMs! - r.firstMs!).toBeGreaterThan(900);
      const mine = samples.filter((s) => s.session === session);
      expect(mine.length).toBeGreaterThanOrEqual(8);
      expect(mine.reduce((x, s) => x + s.bytes, 0)).toBe(r.bytes);
    }
  });

  it('a connection that is not a stream of ours is closed, counted nowhere', async () => {
    const { port } = await receiver.call('listen', { prefer: [] });
    await receiver.call('session', { session: 103, kind: 'tcp' });
    // a foreign magic, then a headerless connect probe: neither is a session's
    execFileSync('ip', ['netns', 'exec', A, 'bash', '-c', 'printf "GARBAGE, NOT A HEADER" >/dev/tcp/$0/$1', IP_B, String(port)]);
    const res = await sender.call('tcpConnectRtt', { to: IP_B, port, count: 2, intervalMs: 10, timeoutMs: 1000 });
    expect(res.errors).toEqual([]);
    expect(res.samples).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 400));
    expect(execFileSync('ip', ['netns', 'exec', B, 'ss', '-tnH', 'state', 'established']).toString().trim()).toBe('');
    const r = await receiver.call('result', { session: 103, idleMs: 0, timeoutMs: 500 });
    expect(r.bytes).toBe(0);
  });

  it('probes: ICMP and UDP echo answered, a refused connect and an unanswered echo are errors', async () => {
    const { port } = await receiver.call('listen', { prefer: [] });
    const args = { to: IP_B, port, count: 5, intervalMs: 10, timeoutMs: 300 };
    for (const op of ['icmpEchoRtt', 'udpEchoRtt', 'tcpConnectRtt'] as const) {
      const r = await sender.call(op, args);
      expect(r, op).toMatchObject({ errors: [] });
      expect(r.samples, op).toHaveLength(5);
      for (const ms of r.samples) expect(ms, op).toBeGreaterThan(0);
    }
    expect(await sender.call('tcpConnectRtt', { ...args, port: 1, count: 1 })).toEqual({ samples: [], errors: [`connect ECONNREFUSED ${IP_B}:1`] });
    expect(await sender.call('icmpEchoRtt', { ...args, to: '10.251.7.9', count: 1 })).toEqual({ samples: [], errors: ['no ICMP echo reply from 10.251.7.9 in 300 ms'] });
  });

  it('bad arguments throw before anything starts', () => {
    const a = addon!;
    const header = Buffer.alloc(8);
    expect(() => a.tcpSend('10.0.0.300', 80, header, 1, 1000)).toThrow(TypeError);
    expect(() => a.tcpSend('10.0.0.1\0', 80, header, 1, 1000)).toThrow(TypeError);
    expect(() => a.tcpSend('10.0.0.1', 0, header, 1, 1000)).toThrow(RangeError);
    expect(() => a.tcpSend('10.0.0.1', 80, Buffer.alloc(65), 1, 1000)).toThrow(RangeError);
    expect(() => a.tcpSend('10.0.0.1', 80, header, 0, 1000)).toThrow(RangeError);
    expect(() => a.tcpSend('10.0.0.1', 80, 'x' as unknown as Buffer, 1, 1000)).toThrow(TypeError);
    expect(() => a.rttProbe('ping' as 'icmp', '10.0.0.1', 0, 0, 1, 0, 0, 100)).toThrow(TypeError);
    expect(() => a.rttProbe('icmp', '10.0.0.1', 0, 0, 0, 0, 0, 100)).toThrow(RangeError);
    expect(() => a.rttProbe('udp-echo', '10.0.0.1', 0, 0, 1, 0, 0, 100)).toThrow(RangeError);
    const file = fs.openSync('/dev/null', 'r');
    try {
      expect(() => a.tcpSink(file, 0)).toThrow(/ENOTSOCK/);
    } finally {
      fs.closeSync(file);
    }
  });
});
