import dgram from 'node:dgram';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { dataOf, dig, freePort } from '../unit/dns/dig.js';
import { sampleState } from '../unit/dns/fixture.js';
import { queryBytes } from '../unit/dns/messages.js';

// 100,000+ random and mutated messages over UDP and TCP, plus half-open and slow
// TCP clients: the server must stay up, answer a good query right afterwards,
// and keep its memory bounded. Seeded, so a failure can be replayed.
const KNOWN = '127.0.1.2';
const UNKNOWN = '127.0.0.1';
const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20251);
let srv: DnsServer;
let port: number;
const clients: Array<dgram.Socket | net.Socket> = [];

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: T[]) => items[int(items.length)]!;

const NAMES = ['web', 'api', 'pool', 'many', 'db.back', '_80._tcp.pool', '3.1.0.127.in-addr.arpa', 'x.corp.lan', '', 'nosuch.test'];

function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

/** One hostile message: random, mutated, looping, oversized, with odd counts, classes and opcodes. */
function hostileMessage(): Buffer {
  const base = queryBytes(pick(NAMES), pick([1, 28, 12, 15, 33, 16, 255, 0, 65535]), { id: int(65536), ednsSize: rand() < 0.3 ? int(65536) : undefined });
  switch (int(9)) {
    case 0:
      return randomBytes(int(600));
    case 1: { // flip bytes
      const b = Buffer.from(base);
      for (let i = 0, n = 1 + int(6); i < n; i++) b[int(b.length)] = int(256);
      return b;
    }
    case 2:
      return base.subarray(0, int(base.length)); // cut short
    case 3: { // compression loop or pointer anywhere
      const b = Buffer.concat([base.subarray(0, 12), Buffer.from([0xc0 | int(64), int(256), 0, 1, 0, 1])]);
      b.writeUInt16BE(1, 4);
      return b;
    }
    case 4: { // long names around the 255-byte limit
      const labels = Array.from({ length: 3 + int(3) }, () => 'a'.repeat(60 + int(4))).join('.');
      return queryBytes(labels, 1, { id: int(65536) });
    }
    case 5: { // zero or many questions, random section counts
      const b = Buffer.from(base);
      b.writeUInt16BE(pick([0, 2, 3, 65535]), 4);
      b.writeUInt16BE(int(65536), 6 + 2 * int(3));
      return b;
    }
    case 6: { // odd class / opcode / QR / Z bits
      const b = Buffer.from(base);
      b.writeUInt16BE(int(65536), 2);
      b.writeUInt16BE(int(65536), b.length - 2 - (b.readUInt16BE(10) ? 11 : 0));
      return b;
    }
    case 7:
      return Buffer.concat([base, randomBytes(int(100))]); // trailing garbage
    default:
      return base; // a good query, for good measure
  }
}

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

async function udpClient(from: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  clients.push(s);
  s.on('message', () => undefined);
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => s.bind(0, from, resolve));
  return s;
}

async function tcpClient(from: string): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
  clients.push(s);
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  await new Promise<void>((resolve) => s.once('connect', resolve));
  return s;
}

const frame = (msg: Buffer, len = msg.length) => {
  const f = Buffer.alloc(2 + msg.length);
  f.writeUInt16BE(len & 0xffff, 0);
  msg.copy(f, 2);
  return f;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  port = await freePort();
  srv = await startDnsServer({ listen: [{ address: '127.0.0.1', port }], state: sampleState(), upstreams: [], tcpIdleTimeoutMs: 1000 });
});
afterAll(async () => {
  for (const c of clients) c instanceof net.Socket ? c.destroy() : c.close();
  await srv?.close();
});

async function expectHealthy(): Promise<void> {
  const udp = await dig(port, ['api'], { from: KNOWN });
  expect([udp.status, dataOf(udp)]).toEqual(['NOERROR', ['127.0.1.3']]);
  const tcp = await dig(port, ['many', '+tcp'], { from: '127.0.5.10' });
  expect(tcp.answers.length).toBe(60);
}

describe('fuzz', () => {
  it('survives 100,000 hostile UDP messages with bounded memory', async () => {
    const senders = [await udpClient(KNOWN), await udpClient(UNKNOWN)];
    gc();
    const before = process.memoryUsage();
    const seen = () => srv.stats().udpMessages;
    const start = seen();
    // paced so that the kernel does not drop them: every message must reach the server
    while (seen() - start < 100_000) {
      for (let i = 0; i < 200; i++) pick(senders).send(hostileMessage(), port, '127.0.0.1');
      await sleep(2);
    }
    await sleep(300);
    await expectHealthy();
    gc();
    const after = process.memoryUsage();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(32 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(128 * 1024 * 1024);
  }, 90_000);

  it('survives 20,000 hostile messages over TCP: bad lengths, pipelining, cut frames', async () => {
    let sentOverTcp = 0;
    for (let conn = 0; conn < 100; conn++) {
      const s = await tcpClient(conn % 2 ? KNOWN : UNKNOWN);
      const chunks: Buffer[] = [];
      for (let i = 0; i < 200; i++) chunks.push(frame(hostileMessage()));
      // a frame whose length lies: at the end mostly (it then swallows nothing), mid-stream sometimes
      const liar = frame(hostileMessage(), int(65536));
      if (conn % 10 === 0) chunks.splice(int(chunks.length), 0, liar);
      else chunks.push(liar);
      const stream = Buffer.concat(chunks);
      // written in random pieces so that frames straddle reads
      for (let off = 0; off < stream.length; ) {
        const n = 1 + int(2000);
        s.write(stream.subarray(off, off + n));
        off += n;
      }
      sentOverTcp += 200;
      if (conn % 3 === 0) s.end();
      else if (conn % 3 === 1) s.destroy();
    }
    await sleep(300);
    expect(srv.stats().tcpMessages).toBeGreaterThan(sentOverTcp * 0.8); // a lying length swallows what follows it
    await expectHealthy();
  }, 60_000);

  it('half-open, slow and non-reading TCP clients neither block others nor stay forever', async () => {
    const halfOpen = await Promise.all(Array.from({ length: 50 }, () => tcpClient(KNOWN)));
    for (const s of halfOpen) s.write(Buffer.from([0, 40, 1])); // a frame that never completes
    const slow = await tcpClient(KNOWN);
    const good = frame(queryBytes('api', 1, { id: 4242 }));
    const replies: Buffer[] = [];
    slow.on('data', (d: Buffer) => replies.push(d));
    for (const byte of good) {
      slow.write(Buffer.from([byte]));
      await sleep(20);
    }
    const deaf = await tcpClient(KNOWN);
    deaf.pause(); // never reads: the server must not buffer for it without limit
    const q = frame(queryBytes('many', 1));
    for (let i = 0; i < 2000; i++) deaf.write(q);
    await expectHealthy();
    await sleep(300);
    const reply = Buffer.concat(replies);
    expect(reply.readUInt16BE(2)).toBe(4242); // the slow client got its answer
    const closed = await Promise.all(halfOpen.map((s) => new Promise<boolean>((resolve) => {
      if (s.destroyed) return resolve(true);
      s.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    })));
    expect(closed.every(Boolean)).toBe(true); // the idle timeout closed them
    await expectHealthy();
  }, 60_000);
});
