import { describe, expect, it } from 'vitest';
import { dnsEmbedded, dnsResolvePeer, dnsUpstream, upstreamsOf } from '../../../src/diag/checks/dns.js';

const native = { backend: 'native' as const, hostNetns: 'lab' };
const ok = (ms = 1) => ({ server: 'x', rcode: 'NOERROR', addresses: [], ms, error: null });
const timeout = { server: 'x', rcode: null, addresses: [], ms: 4000, error: 'timeout' };

describe('dns.embedded', () => {
  it('fails only-default-bridge with the network connect fix for a user network the peer is on', () => {
    const v = dnsEmbedded.judge({ ...native, from: 'web', to: 'db', networks: [{ name: 'bridge', userDefined: false }], toNetworks: ['bridge', 'app'], resolvConf: 'nameserver 8.8.8.8\n' });
    expect(v.status).toBe('fail');
    expect(v.fix).toBe('tsdiag --host-netns lab network connect app web');
  });
});

describe('dns.resolve-peer', () => {
  const base = { ...native, from: 'web', to: 'db', sharedAddresses: ['172.18.0.2'], allAddresses: ['172.18.0.2', '10.0.0.2'] };
  it('passes on an address of a shared network, fails on another one or none', () => {
    expect(dnsResolvePeer.judge({ ...base, queries: [{ name: 'db', result: { ...ok(), addresses: ['172.18.0.2'] } }] }).status).toBe('pass');
    expect(dnsResolvePeer.judge({ ...base, queries: [{ name: 'db', result: { ...ok(), addresses: ['10.0.0.2'] } }] }).summary).toMatch(/not to an address on a network web shares/);
    expect(dnsResolvePeer.judge({ ...base, queries: [{ name: 'db', result: { ...ok(), rcode: 'NXDOMAIN' } }] }).summary).toMatch(/does not resolve/);
    const dead = dnsResolvePeer.judge({ ...base, queries: [{ name: 'db', result: { ...timeout, server: '172.18.0.1' } }] });
    expect(dead.summary).toBe("web's resolver 172.18.0.1 does not answer");
    expect(dead.fix).toBe('tsdiag --host-netns lab dns serve');
  });
});

describe('dns.upstream', () => {
  it('reads ExtServers, with Docker\'s host(...) marking upstreams dialled from the host', () => {
    const text = 'nameserver 127.0.0.11\noptions ndots:0\n\n# ExtServers: [host(10.0.0.2) 127.0.0.1]\n';
    expect(upstreamsOf(text, 'docker')).toEqual({ mode: 'embedded', upstreams: [{ address: '10.0.0.2', dialledFrom: 'host' }, { address: '127.0.0.1', dialledFrom: 'container' }] });
    expect(upstreamsOf('nameserver 10.0.0.2\n', 'docker')).toEqual({ mode: 'direct', upstreams: [{ address: '10.0.0.2', dialledFrom: 'container' }] });
    expect(upstreamsOf('# ExtServers: [198.18.0.1]\n', 'native').upstreams[0]!.dialledFrom).toBe('host');
    // Docker before 25 writes no ExtServers: 127.0.0.11 is its own resolver, not an upstream
    expect(upstreamsOf('nameserver 127.0.0.11\noptions ndots:0\n', 'docker')).toEqual({ mode: 'embedded', upstreams: [] });
    expect(dnsUpstream.judge({ ...native, from: 'web', mode: 'embedded', resolvConfPath: '/x/resolv.conf', probes: [] }).status).toBe('skip');
  });

  const base = { ...native, from: 'web', mode: 'embedded' as const, resolvConfPath: '/etc/netns/lab:web/resolv.conf' };
  it('a dead first upstream costs 4 s per lookup: fail, with the sed that removes it', () => {
    const v = dnsUpstream.judge({ ...base, probes: [
      { address: '192.0.2.1', dialledFrom: 'host', result: timeout },
      { address: '198.18.0.1', dialledFrom: 'host', result: ok(20) },
    ] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('192.0.2.1 does not answer: every outside lookup waits 4 s before 198.18.0.1 answers');
    expect(v.fix).toBe("sed -i -e '/^nameserver 192\\.0\\.2\\.1$/d' /etc/netns/lab/resolv.conf");
  });
  it('a loopback upstream dialled from inside the container is named as such', () => {
    const v = dnsUpstream.judge({ ...base, backend: 'docker', hostNetns: null, probes: [{ address: '127.0.0.1', dialledFrom: 'container', result: { ...timeout, error: 'connect ECONNREFUSED' } }] });
    expect(v.summary).toMatch(/no upstream of web answers.*127\.0\.0\.1 is dialled from inside the container/);
    expect(v.fix).toMatch(/^docker run --dns/);
  });
  it('passes when the first answers (NXDOMAIN counts as an answer), fails with none', () => {
    expect(dnsUpstream.judge({ ...base, probes: [{ address: '1.1.1.1', dialledFrom: 'host', result: { ...ok(), rcode: 'NXDOMAIN' } }] }).status).toBe('pass');
    expect(dnsUpstream.judge({ ...base, mode: 'direct', probes: [] }).status).toBe('fail');
    expect(dnsUpstream.judge({ ...base, probes: [{ address: '1.1.1.1', dialledFrom: 'host', result: { ...ok(), rcode: 'SERVFAIL' } }] }).status).toBe('fail');
  });
});
