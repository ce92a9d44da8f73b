import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer, type DnsServerOptions } from '../../src/dns/server.js';
import { dataOf, dig, freePort } from '../unit/dns/dig.js';
import { sampleState } from '../unit/dns/fixture.js';

// Forwarding, against upstreams this test runs itself on loopback: dnsmasq
// (answers from a hosts file, NXDOMAIN for nx.test), a socket that reads and
// never answers, and one that answers everything REFUSED. No traffic leaves lo.
const WEB = '127.0.1.2';
const UPSTREAM_ADDR = '127.0.0.9';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-dns-fwd-'));
let dnsmasq: ResultPromise | null = null;
let dnsmasqPort = 0;
const sockets: dgram.Socket[] = [];
const servers: DnsServer[] = [];

async function udpUpstream(onQuery: ((msg: Buffer) => Buffer | null) | null): Promise<string> {
  const sock = dgram.createSocket('udp4');
  sockets.push(sock);
  sock.on('message', (msg, rinfo) => {
    const reply = onQuery?.(msg);
    if (reply) sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, UPSTREAM_ADDR, resolve));
  return `${UPSTREAM_ADDR}:${sock.address().port}`;
}

const refuse = (msg: Buffer) => {
  const out = Buffer.from(msg);
  out.writeUInt16BE(0x8005 | (msg.readUInt16BE(2) & 0x0100), 2);
  return out;
};

async function server(upstreams: string[], extra: Partial<DnsServerOptions> = {}): Promise<number> {
  const { parseUpstream } = await import('../../src/dns/upstreams.js');
  const port = await freePort();
  servers.push(await startDnsServer({ listen: [{ address: '127.0.0.1', port }], state: sampleState(), upstreams: upstreams.map(parseUpstream), ...extra }));
  return port;
}

beforeAll(async () => {
  fs.writeFileSync(path.join(tmp, 'hosts'), '127.0.0.50 outside.test\n');
  dnsmasqPort = await freePort(UPSTREAM_ADDR);
  dnsmasq = execa('dnsmasq', [
    '--no-daemon', '--keep-in-foreground', `--port=${dnsmasqPort}`, `--listen-address=${UPSTREAM_ADDR}`, '--bind-interfaces',
    '--no-resolv', '--no-hosts', `--addn-hosts=${path.join(tmp, 'hosts')}`, '--address=/nx.test/', `--pid-file=${path.join(tmp, 'pid')}`,
  ], { reject: false });
  for (let i = 0; i < 50; i++) {
    const r = await dig(dnsmasqPort, ['outside.test', '+time=1'], { server: UPSTREAM_ADDR });
    if (r.status === 'NOERROR') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('dnsmasq did not come up');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const s of sockets) s.close();
  dnsmasq?.kill('SIGTERM');
  await dnsmasq;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('forwarding', () => {
  it('passes an upstream answer through, over UDP and TCP', async () => {
    const port = await server([`${UPSTREAM_ADDR}:${dnsmasqPort}`]);
    const r = await dig(port, ['outside.test'], { from: WEB });
    expect([r.status, dataOf(r)]).toEqual(['NOERROR', ['127.0.0.50']]);
    const tcp = await dig(port, ['outside.test', '+tcp'], { from: WEB });
    expect([tcp.status, dataOf(tcp)]).toEqual(['NOERROR', ['127.0.0.50']]);
    // a type the table does not answer for a known name goes upstream too: dnsmasq,
    // which has no upstream of its own, REFUSES it, so the client gets SERVFAIL
    expect((await dig(port, ['api', 'TXT'], { from: WEB })).status).toBe('SERVFAIL');
  });

  it('passes NXDOMAIN through unchanged (the server never invents it)', async () => {
    const port = await server([`${UPSTREAM_ADDR}:${dnsmasqPort}`]);
    expect((await dig(port, ['host.nx.test'], { from: WEB })).status).toBe('NXDOMAIN');
  });

  it('REFUSED from the first upstream: the next one answers', async () => {
    const port = await server([await udpUpstream(refuse), `${UPSTREAM_ADDR}:${dnsmasqPort}`]);
    expect(dataOf(await dig(port, ['outside.test'], { from: WEB }))).toEqual(['127.0.0.50']);
  });

  it('a silent first upstream costs the real 4 s, then the second answers', async () => {
    const port = await server([await udpUpstream(null), `${UPSTREAM_ADDR}:${dnsmasqPort}`]);
    const t0 = Date.now();
    const r = await dig(port, ['outside.test', '+time=10'], { from: WEB });
    const took = Date.now() - t0;
    expect(dataOf(r)).toEqual(['127.0.0.50']);
    expect(took).toBeGreaterThanOrEqual(3900);
    expect(took).toBeLessThan(6000);
  });

  it('every upstream failing gives SERVFAIL', async () => {
    const port = await server([await udpUpstream(null), await udpUpstream(refuse)], { forwardTimeoutMs: 300 });
    expect((await dig(port, ['outside.test'], { from: WEB })).status).toBe('SERVFAIL');
  });

  it('past the in-flight limit a query waits, then gets REFUSED', async () => {
    const port = await server([await udpUpstream(null), await udpUpstream(null)], { forwardTimeoutMs: 500, maxInFlight: 2 });
    const t0 = Date.now();
    const results = await Promise.all([1, 2, 3].map((i) => dig(port, [`q${i}.test`, '+time=5'], { from: WEB })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual(['REFUSED', 'SERVFAIL', 'SERVFAIL']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
