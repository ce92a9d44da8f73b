import { describe, expect, it } from 'vitest';
import { reachIcmp, reachTcp } from '../../../../../src/diag/checks/reach/reach.js';
import { dnsResolvePeer } from '../../../../../src/diag/checks/dns/dns.js';

const alive = { alive: true, ms: 0.05, output: '' };
const dead = { alive: false, ms: null, output: '' };
const v4 = '172.18.0.3';
const v6 = 'fd00:1::3';

describe('reach per address family', () => {
  it('a dual-stack pair passes over both families', () => {
    const v = reachIcmp.judge({ from: 'web', to: 'db', addr: v4, ping: alive, neighbour: null, also: [{ addr: v6, ping: alive, neighbour: null }] });
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/over IPv4 and IPv6/);
  });
  it('names the family that fails, with neighbour discovery for IPv6', () => {
    const v = reachIcmp.judge({ from: 'web', to: 'db', addr: v4, ping: alive, neighbour: null,
      also: [{ addr: v6, ping: dead, neighbour: { dst: v6, dev: 'eth0', state: ['FAILED'], lladdr: null } }] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`db answers ping over IPv4 but not IPv6 (${v6}) from web`);
    expect(v.evidence.join('\n')).toMatch(/IPv6: neighbour discovery gets no answer/);
  });
  it('an IPv6-only pair pings its IPv6 address', () => {
    const v = reachIcmp.judge({ from: 'web', to: 'db', addr: v6, ping: dead, neighbour: null });
    expect(v.summary).toBe(`db (${v6}) does not answer ping from web`);
  });
  it('TCP over IPv4 but not IPv6', () => {
    const v = reachTcp.judge({ from: 'web', to: 'db', port: 80, addr: v4, connect: { result: 'open', ms: 0.2, error: null },
      also: [{ addr: v6, connect: { result: 'timeout', ms: 700, error: null } }] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`db port 80 accepts connections over IPv4 but not IPv6 (${v6}): does not answer: the SYN is dropped on the way`);
    const ok = reachTcp.judge({ from: 'web', to: 'db', port: 80, addr: v4, connect: { result: 'open', ms: 0.2, error: null },
      also: [{ addr: v6, connect: { result: 'open', ms: 0.3, error: null } }] });
    expect(ok.status).toBe('pass');
    expect(ok.summary).toMatch(/over IPv4 and IPv6 .*\[fd00:1::3\]:80/);
  });
});

describe('dns.resolve-peer: A and AAAA', () => {
  const r = (addresses: string[], rcode = 'NOERROR') => ({ server: '172.18.0.1', rcode, addresses, ms: 1, error: null });
  const base = { backend: 'native' as const, hostNetns: null, from: 'web', to: 'db', sharedAddresses: [v4], allAddresses: [v4],
    queries: [{ name: 'db', result: r([v4]) }], sharedAddresses6: [v6] };
  it('passes with both records', () => {
    const v = dnsResolvePeer.judge({ ...base, aaaa: { name: 'db', result: r([v6]) } });
    expect(v.status).toBe('pass');
    expect(v.summary).toBe(`db resolves to ${v4}, ${v6} (A and AAAA)`);
  });
  it('says AAAA is missing while A resolves', () => {
    const v = dnsResolvePeer.judge({ ...base, aaaa: { name: 'db', result: r([]) } });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`A resolves (${v4}) but AAAA has no record (NOERROR) for db's IPv6 address ${v6}`);
  });
  it('an IPv6-only pair needs only AAAA', () => {
    const v = dnsResolvePeer.judge({ ...base, sharedAddresses: [], allAddresses: [], queries: [{ name: 'db', result: r([]) }], aaaa: { name: 'db', result: r([v6]) } });
    expect(v.status).toBe('pass');
  });
  it('asks AAAA for every name it tries: db.app without a record fails naming it', () => {
    const both = { ...base, queries: [{ name: 'db', result: r([v4]) }, { name: 'db.app', result: r([v4]) }] };
    const v = dnsResolvePeer.judge({ ...both, aaaas: [{ name: 'db', result: r([v6]) }, { name: 'db.app', result: r([]) }] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`A resolves (${v4}) but AAAA of db.app has no record (NOERROR) for db's IPv6 address ${v6}`);
    expect(v.evidence).toContain('db.app AAAA @172.18.0.1: NOERROR (no address) in 1.0 ms');
    expect(dnsResolvePeer.judge({ ...both, aaaas: [{ name: 'db', result: r([v6]) }, { name: 'db.app', result: r([v6]) }] }).summary).toBe(`db resolves to ${v4}, ${v6} (A and AAAA)`);
  });
});
