import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { dataOf, dig, freePort } from '../unit/dns/dig.js';
import { sampleState } from '../unit/dns/fixture.js';

// A machine where the tsdiag-native addon did not build: the server says so
// once and answers over node:dgram on every address.
vi.mock('node:module', (importOriginal) => import('../helpers/addon-hidden.js').then((m) => m.withoutAddon(importOriginal)));

const errors: string[] = [];
let srv: DnsServer;
let ports: number[];

beforeAll(async () => {
  ports = [await freePort('127.0.0.1'), await freePort('127.0.0.53')];
  srv = await startDnsServer({
    listen: [{ address: '127.0.0.1', port: ports[0]! }, { address: '127.0.0.53', port: ports[1]! }],
    state: sampleState(), upstreams: [], onError: (m) => errors.push(m),
  });
});
afterAll(async () => {
  await srv?.close();
});

describe('without the batched UDP addon', () => {
  it('falls back to node:dgram, says so once, and answers on every address', async () => {
    expect(errors).toEqual(["batched UDP unavailable (Cannot find module 'tsdiag-native'): using node:dgram"]);
    expect(dataOf(await dig(ports[0]!, ['api'], { from: '127.0.1.2' }))).toEqual(['127.0.1.3']);
    expect(dataOf(await dig(ports[1]!, ['api'], { server: '127.0.0.53', from: '127.0.1.2' }))).toEqual(['127.0.1.3']);
    expect(srv.stats().udpMessages).toBe(2);
  });
});
