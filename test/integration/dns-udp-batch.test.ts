import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { listenUdp, type UdpListener } from '../../src/dns/udp-batch.js';
import { dataOf, dig, freePort } from '../unit/dns/dig.js';
import { sampleState } from '../unit/dns/fixture.js';
import { queryBytes } from '../unit/dns/messages.js';
import { withConfig } from '../helpers/config.js';

// The DNS server's UDP side: the batched path (tsdiag-native), node:dgram
// when forced with TSDIAG_NATIVE=-dns-udp or for IPv6, bursts answered in full,
// and forwarded queries (replies after the batch) answered from the right slot.
const WEB = '127.0.1.2';
const API = '127.0.1.3';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** mode 'dgram': the UDP side forced to node:dgram */
function withUdpMode<T>(mode: string | undefined, fn: () => Promise<T>): Promise<T> {
  return withConfig(mode === 'dgram' ? { TSDIAG_NATIVE: '-dns-udp' } : {}, fn);
}

async function server(opts: Parameters<typeof startDnsServer>[0] = {}, mode?: string): Promise<{ srv: DnsServer; port: number; errors: string[] }> {
  const port = await freePort();
  const errors: string[] = [];
  const srv = await withUdpMode(mode, () => startDnsServer({ listen: [{ address: '127.0.0.1', port }], state: sampleState(), upstreams: [], onError: (m) => errors.push(m), ...opts }));
  cleanups.push(() => srv.close());
  return { srv, port, errors };
}

async function udpClient(address = '127.0.0.1'): Promise<dgram.Socket> {
  const c = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  cleanups.push(() => c.close());
  await new Promise<void>((resolve) => c.bind(0, address, resolve));
  return c;
}

/**
 * Sends the queries in waves of `wave` and resolves with the answers by id. Waves
 * in flight stay under what a default socket receive buffer holds (~256 small datagrams).
 */
async function burst(c: dgram.Socket, port: number, queries: Buffer[], wave = 100, server = '127.0.0.1'): Promise<Map<number, Buffer>> {
  const answers = new Map<number, Buffer>();
  for (let start = 0; start < queries.length; start += wave) {
    const part = queries.slice(start, start + wave);
    const ids = new Set(part.map((q) => q.readUInt16BE(0)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${ids.size} of ${part.length} queries unanswered`)), 10_000);
      const onMessage = (m: Buffer) => {
        const id = m.readUInt16BE(0);
        if (!ids.delete(id)) return;
        answers.set(id, m);
        if (ids.size === 0) {
          clearTimeout(timer);
          c.off('message', onMessage);
          resolve();
        }
      };
      c.on('message', onMessage);
      for (const q of part) c.send(q, port, server);
    });
  }
  return answers;
}

/** A free UDP port on an address of either family (dig.ts's freePort is IPv4 only). */
async function freeUdpPort(address: string): Promise<number> {
  const s = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => s.bind(0, address, resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

async function echoListener(address: string, mode?: string): Promise<{ listener: UdpListener; port: number }> {
  const port = await freeUdpPort(address);
  const listener = await withUdpMode(mode, () => listenUdp({
    address, port, onError: () => undefined, onMessage: (msg, client, reply) => reply(Buffer.from(`${client} ${msg.toString()}`)),
  }));
  cleanups.push(() => listener.close());
  return { listener, port };
}

describe('batched UDP for the DNS server', () => {
  it('picks the addon for IPv4 and IPv6, node:dgram when TSDIAG_NATIVE=-dns-udp; all answer', async () => {
    const cases = [
      { address: '127.0.0.1', mode: undefined, kind: 'batch' },
      { address: '127.0.0.1', mode: 'dgram', kind: 'dgram' },
      { address: '::1', mode: undefined, kind: 'batch' },
      { address: '::1', mode: 'dgram', kind: 'dgram' },
    ];
    for (const { address, mode, kind } of cases) {
      const { listener, port } = await echoListener(address, mode);
      expect(listener.kind).toBe(kind);
      const c = await udpClient(address);
      const answer = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
      c.send('ping', port, address);
      expect(await answer).toBe(`${address} ping`);
    }
  });

  it('a busy port is reported and retried as before', async () => {
    const { port } = await echoListener('127.0.0.1');
    const errors: string[] = [];
    const srv = await startDnsServer({ listen: [{ address: '127.0.0.1', port }], onError: (m) => errors.push(m), retryMs: 60_000 });
    cleanups.push(() => srv.close());
    expect(srv.pending()).toEqual([{ address: '127.0.0.1', port }]);
    expect(errors).toEqual([`cannot listen on 127.0.0.1:${port}: bind EADDRINUSE 127.0.0.1:${port} (retrying)`]);
  });

  it('the node:dgram fallback still answers real dig, and counts', async () => {
    const { srv, port, errors } = await server({}, 'dgram');
    expect(dataOf(await dig(port, ['api'], { from: WEB }))).toEqual([API]);
    expect((await dig(port, ['db'], { from: WEB })).status).toBe('SERVFAIL');
    expect(srv.stats().udpMessages).toBe(2);
    expect(errors).toEqual([]);
  });

  it('answers every query of 4,000-query bursts, each to its own id and source, and counts them', async () => {
    const { srv, port, errors } = await server();
    const clients = [await udpClient(WEB), await udpClient(API)];
    const results = await Promise.all(clients.map((c, k) => {
      const queries = Array.from({ length: 2000 }, (_, i) => queryBytes(i % 2 ? 'api' : 'web', 1, { id: i + k }));
      return burst(c, port, queries);
    }));
    for (const answers of results) expect(answers.size).toBe(2000);
    // web asks for itself and api; the answer carries the asked name's address
    const fromWeb = results[0]!;
    expect(fromWeb.get(1)!.subarray(-4)).toEqual(Buffer.from([127, 0, 1, 3]));
    expect(fromWeb.get(2)!.subarray(-4)).toEqual(Buffer.from([127, 0, 1, 2]));
    expect(srv.stats().udpMessages).toBe(4000);
    expect(errors).toEqual([]);
  });

  it('forwarded queries get their replies after the batch, from copies of the query', async () => {
    // an upstream that answers late and out of order: each query comes back (QR set) after 0-30 ms
    const upstream = dgram.createSocket('udp4');
    cleanups.push(() => upstream.close());
    upstream.on('message', (msg, rinfo) => {
      const out = Buffer.from(msg);
      out.writeUInt16BE(msg.readUInt16BE(2) | 0x8080, 2);
      setTimeout(() => upstream.send(out, rinfo.port, rinfo.address), Math.random() * 30);
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    const { port, errors } = await server({ upstreams: [{ address: '127.0.0.1', port: upstream.address().port }] });
    const c = await udpClient(WEB);
    const names = Array.from({ length: 300 }, (_, i) => `n${i}.outside.test`);
    const answers = await burst(c, port, names.map((n, i) => queryBytes(n, 1, { id: i })), 100);
    expect(answers.size).toBe(300);
    for (const [id, m] of answers) expect(m.toString('latin1')).toContain(names[id]!.split('.')[0]);
    expect(errors).toEqual([]);
  });
});
