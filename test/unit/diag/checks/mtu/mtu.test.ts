import { describe, expect, it } from 'vitest';
import { pathMtu, type MtuFacts } from '../../../../../src/diag/checks/mtu/mtu.js';
import { mtuReportedIn, nextSizes, searchLargestPayload, type DfProbe } from '../../../../../src/diag/checks/mtu/search.js';

const hops = [
  { where: 'web, egress of route to 172.18.0.2', ifname: 'eth0', mtu: 1500 },
  { where: 'bridge of network app', ifname: 'br-0123456789ab', mtu: 1500 },
];
const facts = (probes: DfProbe[], over: Partial<MtuFacts> = {}): MtuFacts => ({
  backend: 'native', hostNetns: 'lab', from: 'web', to: 'db', addr: '172.18.0.2', network: 'app',
  fromNetnsPath: '/run/netns/lab:web', egress: { ifname: 'eth0', mtu: 1500 }, hops, probes, ...over,
});
const ok = (size: number): DfProbe => ({ size, ok: true, reportedMtu: null });
const lost = (size: number, reportedMtu: number | null = null): DfProbe => ({ size, ok: false, reportedMtu });

describe('the DF search', () => {
  it('stops after one probe when the full size passes', async () => {
    let calls = 0;
    const probes = await searchLargestPayload(async (s) => (calls++, ok(s)), 1472);
    expect(calls).toBe(1);
    expect(probes).toEqual([ok(1472)]);
  });
  it('finds any path MTU exactly, in at most four rounds', () => {
    for (const mtu of [1400, 1450, 1337, 576, 1499]) {
      const probes: DfProbe[] = [];
      let rounds = 0;
      for (let sizes = nextSizes(probes, 1472); sizes.length; sizes = nextSizes(probes, 1472)) {
        rounds++;
        probes.push(...sizes.map((s) => (s <= mtu - 28 ? ok(s) : lost(s))));
      }
      expect(Math.max(...probes.filter((p) => p.ok).map((p) => p.size)), `mtu ${mtu}`).toBe(mtu - 28);
      expect(rounds, `mtu ${mtu}`).toBeLessThanOrEqual(4);
    }
  });
  it('tries the MTU an ICMP "fragmentation needed" reported', () => {
    expect(nextSizes([lost(1472, 1380)], 1472)).toContain(1352);
    expect(mtuReportedIn('From 172.18.255.254 icmp_seq=1 Frag needed and DF set (mtu = 1380)')).toBe(1380);
    expect(mtuReportedIn('ping: local error: message too long, mtu=1400')).toBe(1400);
  });
});

describe('path.mtu verdicts', () => {
  it('passes when the full-size DF ping is answered', () => {
    const v = pathMtu.judge(facts([ok(1472)]));
    expect(v.status).toBe('pass');
    expect(v.evidence.join('\n')).toMatch(/eth0 mtu 1500/);
  });
  it('fails on a blackhole: path MTU, hops, no ICMP, the exact fix in the container namespace', () => {
    const v = pathMtu.judge(facts([ok(40), ok(1372), lost(1373), lost(1472)]));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('packets over 1400 bytes do not reach db: web sends up to 1500');
    expect(v.fix).toBe('ip netns exec lab:web ip link set dev eth0 mtu 1400');
    expect(v.evidence.join('\n')).toMatch(/blackholed/);
    expect(v.evidence.join('\n')).toMatch(/beyond them/);
    expect(v.evidence.join('\n')).toMatch(/network create -o com\.docker\.network\.driver\.mtu=1400/);
  });
  it('warns when routers report the MTU (PMTU discovery works), names a narrow hop, docker namespaces via nsenter', () => {
    const v = pathMtu.judge(facts([ok(1422), lost(1423, 1450), lost(1472, 1450)], {
      backend: 'docker', hostNetns: null, fromNetnsPath: '/proc/42/ns/net',
      hops: [...hops, { where: 'host end of web\'s veth', ifname: 'veth1234567', mtu: 1450 }],
    }));
    expect(v.status).toBe('warn');
    expect(v.fix).toBe('nsenter --net=/proc/42/ns/net ip link set dev eth0 mtu 1450');
    expect(v.evidence.join('\n')).toMatch(/narrower than web's 1500: veth1234567 \(1450\)/);
    expect(v.evidence.join('\n')).toMatch(/docker network create/);
  });
  it('skips when nothing answers, or there is no address', () => {
    expect(pathMtu.judge(facts([lost(1472), lost(40)])).status).toBe('skip');
    expect(pathMtu.judge(facts([], { addr: null })).status).toBe('skip');
  });
});

describe('path.mtu verdicts on an overlay (VXLAN adds 50 bytes on the underlay)', () => {
  const overlay = (underlayMtu: number | null, driverMtu: number | null = null) => ({
    network: 'ovl', attachable: true, driverMtu, peerNode: '10.99.0.2', underlay: underlayMtu === null ? null : { ifname: 'eth0', mtu: underlayMtu },
  });
  const onOverlay = (probes: DfProbe[], o: ReturnType<typeof overlay>, egress = 1450) => facts(probes, {
    backend: 'docker', hostNetns: null, network: 'ovl', addr: '10.0.1.4', fromNetnsPath: '/proc/42/ns/net', egress: { ifname: 'eth0', mtu: egress }, overlay: o,
  });

  it('passes when the overlay MTU + 50 fits the underlay and the full size crosses; says the largest DF payload', () => {
    const v = pathMtu.judge(onOverlay([ok(1422)], overlay(1500)));
    expect(v.status).toBe('pass');
    expect(v.evidence).toContain('VXLAN: 1450 + 50 = 1500 bytes on the underlay eth0 (mtu 1500): fits');
    expect(v.evidence.join('\n')).toMatch(/largest DF payload that passed web -> db \(across nodes, via 10\.99\.0\.2\): 1422 bytes/);
  });
  it('fails when the underlay is narrower than the overlay + 50, with the driver mtu that fits', () => {
    const v = pathMtu.judge(onOverlay([ok(1322), lost(1323, 1350), lost(1422, 1350)], overlay(1400)));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe("overlay ovl's MTU 1450 is too large for the underlay: VXLAN needs 50 bytes, eth0 carries 1400");
    expect(v.fix).toBe('docker network rm ovl && docker network create -d overlay --attachable -o com.docker.network.driver.mtu=1400 ovl');
  });
  it('fails on a narrower link beyond this node (the full size is lost though the local underlay fits)', () => {
    const v = pathMtu.judge(onOverlay([ok(1272), lost(1273), lost(1422)], { ...overlay(1500), attachable: false }));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^packets over 1300 bytes do not cross overlay ovl to db: web sends up to 1450/);
    expect(v.fix).toBe('docker network rm ovl && docker network create -d overlay -o com.docker.network.driver.mtu=1350 ovl');
  });
  it('skips when no DF ping crosses at all', () => {
    expect(pathMtu.judge(onOverlay([lost(1422), lost(40)], overlay(1500))).status).toBe('skip');
  });
});
