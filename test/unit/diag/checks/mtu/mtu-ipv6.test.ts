import { describe, expect, it } from 'vitest';
import { pathMtu, type MtuFacts } from '../../../../../src/diag/checks/mtu/mtu.js';
import { IP6_ICMP6_HEADERS, mtuReportedIn, nextSizes, reporterIn, type DfProbe } from '../../../../../src/diag/checks/mtu/search.js';

const ok = (size: number): DfProbe => ({ size, ok: true, reportedMtu: null });
const lost = (size: number, reportedMtu: number | null = null): DfProbe => ({ size, ok: false, reportedMtu });
const facts = (probes6: DfProbe[]): MtuFacts => ({
  backend: 'native', hostNetns: 'lab', from: 'web', to: 'db', addr: '172.18.0.2', network: 'app',
  fromNetnsPath: '/run/netns/lab:web', egress: { ifname: 'eth0', mtu: 1500 },
  hops: [{ where: 'web, egress of route to 172.18.0.2', ifname: 'eth0', mtu: 1500 }], probes: [ok(1472)],
  v6: { addr: 'fd00:1::2', egress: { ifname: 'eth0', mtu: 1500 }, probes: probes6 },
});

describe('path.mtu over IPv6', () => {
  it('the IPv6 search takes ICMPv6\'s 48 header bytes', () => {
    expect(nextSizes([], 1500 - IP6_ICMP6_HEADERS, IP6_ICMP6_HEADERS)).toEqual([1452]);
    expect(nextSizes([lost(1452, 1400)], 1452, IP6_ICMP6_HEADERS)).toContain(1352);
    expect(mtuReportedIn('From fd00:1::1 icmp_seq=1 Packet too big: mtu=1400')).toBe(1400);
  });
  it('passes when both families carry the full MTU', () => {
    expect(pathMtu.judge(facts([ok(1452)]))).toMatchObject({ status: 'pass', summary: 'a 1500-byte packet reaches db over IPv4 and IPv6: the path carries the full MTU 1500' });
  });
  it('narrower only for IPv6, Packet Too Big blackholed: fails, the fix sets the sender\'s IPv6 MTU', () => {
    const v = pathMtu.judge(facts([ok(1232), ok(1352), lost(1353), lost(1452)]));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('db takes full-size packets over IPv4 but not IPv6: IPv6 packets over 1400 bytes do not reach it (web sends up to 1500)');
    expect(v.evidence.join('\n')).toMatch(/no ICMPv6 Packet Too Big came back/);
    expect(v.fix).toBe('ip netns exec lab:web sysctl -w net.ipv6.conf.eth0.mtu=1400');
  });
  it('a Packet Too Big that came back makes it a warning', () => {
    expect(pathMtu.judge(facts([ok(1352), lost(1452, 1400)])).status).toBe('warn');
  });
});

describe('path.mtu per family: narrow in both, IPv6-only', () => {
  const lostFrom = (size: number, mtu: number, by: string): DfProbe => ({ size, ok: false, reportedMtu: mtu, reportedBy: by });
  it('names the router an ICMP error came from', () => {
    expect(reporterIn('PING fd00:1::2(fd00:1::2) 1452 data bytes\nFrom fd00:1::fffe icmp_seq=1 Packet too big: mtu=1400\n')).toBe('fd00:1::fffe');
    expect(reporterIn('From 172.18.255.254 icmp_seq=1 Frag needed and DF set (mtu = 1400)')).toBe('172.18.255.254');
    expect(reporterIn('ping: local error: message too long, mtu=1400')).toBeNull();
  });

  it('narrow over both families, frag-needed dropped but Packet Too Big sent: fails, both path MTUs and the router named, one link MTU fixes both', () => {
    const f: MtuFacts = { ...facts([ok(1232), ok(1352), lostFrom(1353, 1400, 'fd00:1::fffe'), lostFrom(1452, 1400, 'fd00:1::fffe')]), probes: [ok(1372), lost(1373), lost(1472)] };
    const v = pathMtu.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('packets over 1400 bytes do not reach db over IPv4 and IPv6: web sends up to 1500; fd00:1::fffe reports a 1400-byte link');
    expect(v.evidence).toContain('an ICMPv6 Packet Too Big came back from fd00:1::fffe, the router before the narrow link (mtu 1400): path MTU discovery works, at a cost');
    expect(v.evidence).toContain('no ICMP "fragmentation needed" came back: path MTU discovery is blackholed, large packets (big responses, TLS handshakes) vanish');
    expect(v.fix).toBe('ip netns exec lab:web ip link set dev eth0 mtu 1400');
  });

  it('IPv6 narrower than IPv4: the link MTU and the IPv6 MTU', () => {
    const f: MtuFacts = { ...facts([ok(1232), lost(1233), lost(1452)]), probes: [ok(1372), lost(1373), lost(1472)] };
    const v = pathMtu.judge(f);
    expect(v.summary).toBe('packets over 1400 bytes (IPv4) and 1280 bytes (IPv6) do not reach db: web sends up to 1500');
    expect(v.fix).toBe('ip netns exec lab:web ip link set dev eth0 mtu 1400 && ip netns exec lab:web sysctl -w net.ipv6.conf.eth0.mtu=1280');
  });

  it('an IPv6-only pair searches over IPv6 alone', () => {
    const only6 = (probes: DfProbe[]): MtuFacts => ({ ...facts([]), addr: 'fd00:1::2', family: 6, probes, v6: undefined });
    expect(pathMtu.judge(only6([ok(1452)])).summary).toBe('a 1500-byte packet with DF set reaches db over IPv6: the path carries the full MTU 1500');
    const v = pathMtu.judge(only6([ok(1352), lost(1353, 1400), lost(1452, 1400)]));
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('IPv6 packets over 1400 bytes do not reach db: web sends up to 1500');
    expect(v.fix).toBe('ip netns exec lab:web ip link set dev eth0 mtu 1400');
  });
});
