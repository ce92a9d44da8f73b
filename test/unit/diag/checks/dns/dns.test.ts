import { describe, expect, it } from 'vitest';
import { dnsEmbedded, dnsResolvePeer, dnsUpstream, upstreamsOf } from '../../../../../src/diag/checks/dns/dns.js';
import { recreateCommand } from '../../../../../src/diag/recreate.js';
import { shellWord } from '../../../../../src/diag/inventory/native.js';

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
    expect(upstreamsOf(text)).toEqual({ mode: 'embedded', upstreams: [{ address: '10.0.0.2', dialledFrom: 'host' }, { address: '127.0.0.1', dialledFrom: 'container' }] });
    expect(upstreamsOf('nameserver 10.0.0.2\n')).toEqual({ mode: 'direct', upstreams: [{ address: '10.0.0.2', dialledFrom: 'container' }] });
    // tsdiag's server follows Docker's rule: only host(...) entries are dialled from the host namespace
    expect(upstreamsOf('# ExtServers: [198.18.0.1 host(127.0.0.53)]\n').upstreams.map((u) => u.dialledFrom)).toEqual(['container', 'host']);
    // Docker before 25 writes no ExtServers: 127.0.0.11 is its own resolver, not an upstream
    expect(upstreamsOf('nameserver 127.0.0.11\noptions ndots:0\n')).toEqual({ mode: 'embedded', upstreams: [] });
    // ... except the container's own --dns servers, which the engine reports: dialled from inside the container
    expect(upstreamsOf('nameserver 127.0.0.11\noptions ndots:0\n', ['127.0.0.1'])).toEqual({ mode: 'embedded', upstreams: [{ address: '127.0.0.1', dialledFrom: 'container' }] });
    expect(dnsUpstream.judge({ ...native, from: 'web', mode: 'embedded', resolvConfPath: '/x/resolv.conf', probes: [], internalNetworks: [], recreate: null }).status).toBe('skip');
  });

  const base = { ...native, from: 'web', mode: 'embedded' as const, resolvConfPath: '/etc/netns/lab:web/resolv.conf', internalNetworks: [] as string[], recreate: null as string | null };
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
    const recreate = 'tsdiag rm -f web && tsdiag run -d --name web --network app -- sleep infinity';
    expect(dnsUpstream.judge({ ...base, recreate, probes: [{ address: '127.0.0.1', dialledFrom: 'container', result: { ...timeout, error: 'connect ECONNREFUSED' } }] }).fix).toBe(recreate);
  });
  it('on --internal networks only, upstreams dialled from the host do not count: fail with network connect', () => {
    const probes = [
      { address: '127.0.0.53', dialledFrom: 'host' as const, result: ok(2) },
      { address: '198.18.0.1', dialledFrom: 'container' as const, result: { ...timeout, error: 'connect ENETUNREACH' } },
    ];
    const v = dnsUpstream.judge({ ...base, probes, internalNetworks: ['secret'] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('web is only on --internal network secret: outside names are not forwarded for it and fail with SERVFAIL');
    expect(v.evidence).toContain('127.0.0.53 is not used: web is only on --internal networks');
    expect(v.fix).toBe('tsdiag --host-netns lab network connect <a network that is not --internal> web');
    // an upstream that answers from inside the container (on-net) is fine
    expect(dnsUpstream.judge({ ...base, probes: [{ ...probes[1]!, result: ok(1) }], internalNetworks: ['secret'] }).status).toBe('pass');
  });
  it('passes when the first answers (NXDOMAIN counts as an answer), fails with none', () => {
    expect(dnsUpstream.judge({ ...base, probes: [{ address: '1.1.1.1', dialledFrom: 'host', result: { ...ok(), rcode: 'NXDOMAIN' } }] }).status).toBe('pass');
    expect(dnsUpstream.judge({ ...base, mode: 'direct', probes: [] }).status).toBe('fail');
    expect(dnsUpstream.judge({ ...base, probes: [{ address: '1.1.1.1', dialledFrom: 'host', result: { ...ok(), rcode: 'SERVFAIL' } }] }).status).toBe('fail');
  });
});

describe('recreateCommand', () => {
  it('makes a container again with its networks, ports and command, quoting only where needed', () => {
    const c = {
      backend: 'native' as const, id: 'x', name: 'web', running: true, pid: 1, netnsPath: null, networkMode: 'app', resolvConfPath: null,
      endpoints: [{ network: 'app', networkId: '', ipv4: null, prefixLen: null, mac: null, aliases: [], hostIf: null }, { network: 'back', networkId: '', ipv4: null, prefixLen: null, mac: null, aliases: [], hostIf: null }],
      published: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }, { hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, proto: 'udp' as const }],
      command: ['sh', '-c', "echo 'hi there'"].map(shellWord).join(' '),
    };
    expect(recreateCommand({ backend: 'native', hostNetns: 'lab' }, c)).toBe(
      "tsdiag --host-netns lab rm -f web && tsdiag --host-netns lab run -d --name web --network app -p 8080:80 -p 127.0.0.1:53:53/udp -- sh -c 'echo '\\''hi there'\\''' && tsdiag --host-netns lab network connect back web",
    );
  });
});
