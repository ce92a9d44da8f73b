import { describe, expect, it } from 'vitest';
import { pathMtu, type MtuFacts } from '../../../../../src/diag/checks/mtu/mtu.js';
import { IP6_ICMP6_HEADERS, mtuReportedIn, nextSizes, type DfProbe } from '../../../../../src/diag/checks/mtu/search.js';

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
