import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { dataOf, dig, freePort } from '../unit/dns/dig.js';
import { WEB_ID, container, network, sampleState, state } from '../unit/dns/fixture.js';

// Real `dig` against the server on 127.0.0.1; each container is played by its own
// loopback source address (Linux routes all of 127/8 to lo).
const WEB = '127.0.1.2';
const API = '127.0.1.3';
const DB = '127.0.2.4';
let srv: DnsServer;
let port: number;

beforeAll(async () => {
  port = await freePort();
  srv = await startDnsServer({ listen: [{ address: '127.0.0.1', port }], state: sampleState(), upstreams: [] });
});
afterAll(async () => {
  await srv?.close();
});

describe('embedded DNS over real clients', () => {
  it('answers names scoped by network, from the asking container', async () => {
    const r = await dig(port, ['api'], { from: WEB });
    expect(r.status).toBe('NOERROR');
    expect(r.answers).toEqual([`api. 600 IN A ${API}`]);
    expect(dataOf(await dig(port, ['api'], { from: DB }))).toEqual(['127.0.2.3']);
    expect(dataOf(await dig(port, ['db'], { from: API }))).toEqual([DB]);
    // web shares no network with db: forwarded, and with no upstream that is SERVFAIL (never NXDOMAIN)
    expect((await dig(port, ['db'], { from: WEB })).status).toBe('SERVFAIL');
  });

  it('is case-insensitive, ignores a trailing dot, keeps the asked case in the answer', async () => {
    const r = await dig(port, ['ApI.'], { from: WEB });
    expect(r.answers).toEqual([`ApI. 600 IN A ${API}`]);
  });

  it('aliases, short ids and name.network', async () => {
    expect(dataOf(await dig(port, ['www'], { from: API }))).toEqual([WEB]);
    expect(dataOf(await dig(port, ['named'], { from: WEB }))).toEqual(['127.0.1.21']);
    expect(dataOf(await dig(port, [WEB_ID.slice(0, 12)], { from: API }))).toEqual([WEB]);
    expect(dataOf(await dig(port, ['db.back'], { from: API }))).toEqual([DB]);
    expect(dataOf(await dig(port, ['x.corp.lan'], { from: '127.0.4.2' }))).toEqual(['127.0.4.2']);
  });

  it('PTR, MX, SRV, AAAA without IPv6', async () => {
    expect(dataOf(await dig(port, ['-x', API], { from: WEB }))).toEqual(['api.front.']);
    const mx = await dig(port, ['api', 'MX'], { from: WEB });
    expect([mx.status, mx.answers]).toEqual(['NOERROR', []]);
    const aaaa = await dig(port, ['api', 'AAAA'], { from: WEB });
    expect([aaaa.status, aaaa.answers]).toEqual(['NOERROR', []]);
    expect(dataOf(await dig(port, ['v6', 'AAAA'], { from: WEB }))).toEqual(['fd00::6']);
    const srv = await dig(port, ['_443._tcp.pool', 'SRV'], { from: WEB });
    expect(dataOf(srv)).toEqual(['0 0 443 pool1.front.', '0 0 443 pool2.front.', '0 0 443 pool3.front.']);
    expect(srv.additionals.filter((l) => l.includes(' A ')).sort()).toEqual([
      'pool1.front. 600 IN A 127.0.1.10', 'pool2.front. 600 IN A 127.0.1.11', 'pool3.front. 600 IN A 127.0.1.12',
    ]);
  });

  it('round robin: all addresses, in a shuffled order', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await dig(port, ['pool'], { from: WEB });
      expect(dataOf(r)).toEqual(['127.0.1.10', '127.0.1.11', '127.0.1.12']);
      orders.add(r.answers.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('refuses sources that are no known container (and containers on the default bridge)', async () => {
    expect((await dig(port, ['web'], { from: '127.0.9.9' })).status).toBe('REFUSED');
    expect((await dig(port, ['web'], { from: '127.0.3.5' })).status).toBe('REFUSED');
  });

  it('60 containers on one alias: UDP cut at 512 with TC, EDNS size honoured, TCP has all 60', async () => {
    const from = '127.0.5.10';
    const plain = await dig(port, ['many', '+noedns', '+ignore'], { from });
    expect(plain.flags).toContain('tc');
    expect(plain.answers.length).toBe(Math.floor((512 - 12 - 9) / 16));
    const small = await dig(port, ['many', '+bufsize=700', '+ignore'], { from });
    expect(small.flags).toContain('tc');
    expect(small.answers.length).toBe(Math.floor((700 - 12 - 9 - 11) / 16));
    const big = await dig(port, ['many', '+bufsize=4096'], { from });
    expect(big.flags).not.toContain('tc');
    expect(big.answers.length).toBe(60);
    const tcp = await dig(port, ['many', '+tcp', '+noedns'], { from });
    expect(tcp.flags).not.toContain('tc');
    expect(tcp.answers.length).toBe(60);
    // dig on its own retries a truncated answer over TCP
    expect((await dig(port, ['many', '+noedns'], { from })).answers.length).toBe(60);
  });

  it('follows state changes and listen addresses coming and going', async () => {
    const p2 = await freePort('127.0.0.2');
    srv.setState(state([network('late', { gateway: '127.0.0.2' })], [container('newbie', [{ network: 'late', ipv4: '127.0.7.2' }])]));
    await srv.setListen([{ address: '127.0.0.1', port }, { address: '127.0.0.2', port: p2 }, { address: '192.0.2.200', port: p2 }]);
    expect(srv.pending()).toEqual([{ address: '192.0.2.200', port: p2 }]); // not on this machine: retried later
    expect(dataOf(await dig(p2, ['newbie'], { server: '127.0.0.2', from: '127.0.7.2' }))).toEqual(['127.0.7.2']);
    expect((await dig(port, ['api'], { from: WEB })).status).toBe('REFUSED'); // web is gone from the state
    await srv.setListen([{ address: '127.0.0.1', port }]);
    expect((await dig(p2, ['newbie', '+time=1'], { server: '127.0.0.2', from: '127.0.7.2' })).status).toBe('TIMEOUT');
    srv.setState(sampleState());
    expect(dataOf(await dig(port, ['api'], { from: WEB }))).toEqual([API]);
  });
});
