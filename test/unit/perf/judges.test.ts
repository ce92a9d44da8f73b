import { describe, expect, it } from 'vitest';
import { judge } from '../../../src/perf/findings.js';
import { planPaths } from '../../../src/perf/paths.js';
import type { Hop, PerfFacts, PerfPath } from '../../../src/perf/types.js';

const off = { tso: true, gso: true, gro: false };
const hop = (where: string, dev: string, role: string, mtu = 1500, qdisc: Hop['qdisc'] = { kind: 'noqueue', rateBps: null }): Hop => ({ where, dev, role, mtu, offloads: off, qdisc });
const path = (id: string, via: PerfPath['via'], bps: number, extra: Partial<PerfPath> = {}): PerfPath => ({
  id, via, family: 4, address: '10.0.0.3', port: 5201, detail: '', rtt: {}, notes: [],
  tcp: { streams: 1, bps, bytes: 1, ms: 1, samples: [] }, ...extra,
});
const facts = (over: Partial<PerfFacts> = {}): PerfFacts => ({
  from: 'web', to: 'db', backend: 'native', hostNetns: 'sb', pids: { web: null, db: null },
  paths: [path('bridge', 'bridge', 9e9)],
  hops: [hop('web', 'eth0', 'from-eth'), hop('host', 'vethA', 'from-veth'), hop('host', 'br-1', 'bridge'), hop('host', 'vethB', 'to-veth'), hop('db', 'eth0', 'to-eth')],
  host: { cpus: 2, conntrack: { count: 10, max: 1000 }, softirq: { cpu: 'cpu0', share: 0.2 } },
  ...over,
});

describe('perf judges, from recorded facts', () => {
  it('a quiet path: no finding', () => {
    expect(judge(facts())).toEqual([]);
  });

  it('a tbf on the receiver\'s host veth that the measured rate sits at: named with the fix in its namespace', () => {
    const f = facts({ paths: [path('bridge', 'bridge', 19.2e6)] });
    f.hops[3] = hop('host', 'vethB', 'to-veth', 1500, { kind: 'tbf', rateBps: 20e6 });
    const [finding, ...rest] = judge(f);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ id: 'qdisc-rate', object: 'vethB (to-veth, host)', fix: 'ip netns exec sb tc qdisc del dev vethB root' });
    expect(finding!.summary).toBe('tbf on vethB (to-veth, host) limits web -> db to 20.00 Mbit/s (measured 19.20 Mbit/s)');
  });

  it('a shaper far above what was measured is not the cause', () => {
    const f = facts({ paths: [path('bridge', 'bridge', 9e9)] });
    f.hops[3] = hop('host', 'vethB', 'to-veth', 1500, { kind: 'tbf', rateBps: 1e9 });
    expect(judge(f)).toEqual([]);
  });

  it('an MTU apart from the rest names that hop; its fix runs in the container (the engine\'s words for Docker)', () => {
    const f = facts();
    f.hops[4] = hop('db', 'eth0', 'to-eth', 1400);
    expect(judge(f)).toMatchObject([{ id: 'mtu-mismatch', object: 'eth0 in db (to-eth)', fix: 'tsdiag --host-netns sb exec db -- ip link set dev eth0 mtu 1500' }]);
    const docker = facts({ backend: 'docker', hostNetns: null, pids: { web: 11, db: 22 } });
    docker.hops[4] = hop('db', 'eth0', 'to-eth', 1400);
    expect(judge(docker)[0]!.fix).toBe('nsenter -t 22 -n ip link set dev eth0 mtu 1500');
  });

  it('docker-proxy on the published path is named with its cost against the bridge', () => {
    const f = facts({ backend: 'docker', paths: [path('bridge', 'bridge', 8e9), path('published', 'docker-proxy', 4e9, { proxyPid: 99, port: 18080 })] });
    const [p] = judge(f);
    expect(p).toMatchObject({ id: 'userland-proxy', object: 'docker-proxy (pid 99) on 10.0.0.3:18080' });
    expect(p!.summary).toMatch(/4.00 Gbit\/s through the proxy against 8.00 Gbit\/s over the bridge \(50%\)/);
    expect(p!.fix).toMatch(/"userland-proxy": false/);
  });

  it('conntrack near its limit and one core busy in softirq', () => {
    const f = facts({ host: { cpus: 2, conntrack: { count: 950, max: 1000 }, softirq: { cpu: 'cpu1', share: 0.85 } } });
    const ids = judge(f).map((x) => [x.id, x.object, x.fix]);
    expect(ids).toEqual([
      ['conntrack-full', 'the host\'s conntrack table', 'ip netns exec sb sysctl -w net.netfilter.nf_conntrack_max=2000'],
      ['softirq-core', 'cpu1', 'tsdiag --host-netns sb exec db -- sh -c \'echo 3 > /sys/class/net/eth0/queues/rx-0/rps_cpus\' (spread receive processing over every CPU: RPS)'],
    ]);
  });

  it('TSO/GSO off on TO\'s host veth, FROM -> TO at 43% of TO -> FROM: named with the ethtool fix in its namespace', () => {
    const f = facts({ paths: [path('bridge', 'bridge', 5.5e9, { tcpReverse: { streams: 1, bps: 12.7e9, bytes: 1, ms: 1, samples: [] } })] });
    f.hops[3] = { ...hop('host', 'vethB', 'to-veth'), offloads: { tso: false, gso: false, gro: true } };
    const [finding, ...rest] = judge(f);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ id: 'offloads-off', object: 'vethB (to-veth, host)', fix: 'ip netns exec sb ethtool -K vethB tso on gso on' });
    expect(finding!.summary).toBe('vethB (to-veth, host) has tso and gso off where the rest of the path has them on: web -> db reached 5.50 Gbit/s against 12.70 Gbit/s db -> web over the same hops (43%)');
    expect(finding!.evidence).toContain('vethB (to-veth, host): tso off gso off');
  });

  it('offloads off but no measured cost (or no reverse figure): no finding; off in the reverse direction judged against the forward one', () => {
    const even = facts({ paths: [path('bridge', 'bridge', 11e9, { tcpReverse: { streams: 1, bps: 12e9, bytes: 1, ms: 1, samples: [] } })] });
    even.hops[3] = { ...hop('host', 'vethB', 'to-veth'), offloads: { tso: false, gso: true, gro: true } };
    expect(judge(even)).toEqual([]);
    const unmeasured = facts();
    unmeasured.hops[3] = { ...hop('host', 'vethB', 'to-veth'), offloads: { tso: false, gso: false, gro: true } };
    expect(judge(unmeasured)).toEqual([]);
    const back = facts({ backend: 'docker', hostNetns: null, pids: { web: 11, db: 22 }, paths: [path('bridge', 'bridge', 12e9, { tcpReverse: { streams: 1, bps: 4e9, bytes: 1, ms: 1, samples: [] } })] });
    back.hops[4] = { ...hop('db', 'eth0', 'to-eth'), offloads: { tso: false, gso: true, gro: true } };
    expect(judge(back)).toMatchObject([{ id: 'offloads-off', object: 'eth0 in db (to-eth)', fix: 'nsenter -t 22 -n ethtool -K eth0 tso on gso on' }]);
    expect(judge(back)[0]!.summary).toMatch(/has tso off .*: db -> web reached 4.00 Gbit\/s against 12.00 Gbit\/s web -> db/);
  });

  it('every hop with offloads off: nothing to tell the odd one by', () => {
    const f = facts({ paths: [path('bridge', 'bridge', 1e9, { tcpReverse: { streams: 1, bps: 5e9, bytes: 1, ms: 1, samples: [] } })] });
    f.hops = f.hops.map((h) => ({ ...h, offloads: { tso: false, gso: false, gro: true } }));
    expect(judge(f)).toEqual([]);
  });
});

describe('the paths a run compares', () => {
  const base = { family: 4 as const, direct: '10.0.0.3', hostNetworking: false, recvPort: 5201, servicePort: null, published: [], hostAddress: '10.0.0.1', hostListeners: [] };
  it('the bridge alone when TO publishes nothing', () => {
    expect(planPaths(base).map((p) => [p.id, p.via, p.address, p.dataPort])).toEqual([['bridge', 'bridge', '10.0.0.3', 5201]]);
  });
  it('the published port through docker-proxy when it holds it, else DNAT; RTT only when the service holds the container port', () => {
    const published = [{ hostIp: '0.0.0.0', hostPort: 18080, containerPort: 5201, proto: 'tcp' as const }];
    const proxy = [{ proto: 'tcp' as const, addr: '0.0.0.0', port: 18080, process: 'docker-proxy', pid: 7 }];
    expect(planPaths({ ...base, published, hostListeners: proxy })[1]).toMatchObject({ id: 'published', via: 'docker-proxy', address: '10.0.0.1', rttPort: 18080, dataPort: 18080, proxyPid: 7 });
    expect(planPaths({ ...base, published })[1]).toMatchObject({ via: 'dnat', dataPort: 18080 });
    const held = planPaths({ ...base, servicePort: 80, published: [{ ...published[0]!, containerPort: 80 }] })[1]!;
    expect(held).toMatchObject({ dataPort: null, rttPort: 18080 });
    expect(held.notes[0]).toMatch(/container port 80 is held/);
  });
  it('a published UDP port whose container side the receiver holds: a UDP-only path, through docker-proxy when that holds the UDP port', () => {
    const published = [{ hostIp: '0.0.0.0', hostPort: 35353, containerPort: 5353, proto: 'udp' as const }];
    expect(planPaths({ ...base, published, udpPort: 5353 }).map((p) => [p.id, p.via, p.address, p.dataPort, p.udpOnly ?? false])).toEqual([
      ['bridge', 'bridge', '10.0.0.3', 5201, false], ['published-udp', 'dnat', '10.0.0.1', 35353, true],
    ]);
    const proxy = [{ proto: 'udp' as const, addr: '0.0.0.0', port: 35353, process: 'docker-proxy', pid: 8 }];
    expect(planPaths({ ...base, published, udpPort: 5353, hostListeners: proxy })[1]).toMatchObject({ via: 'docker-proxy', proxyPid: 8, detail: '10.0.0.1:35353 -> 5353/udp through docker-proxy (pid 8)' });
    expect(planPaths({ ...base, published, udpPort: null })).toHaveLength(1);
  });
  it('host networking: one path, over the host\'s stack', () => {
    expect(planPaths({ ...base, hostNetworking: 'to' }).map((p) => p.via)).toEqual(['host']);
    expect(planPaths({ ...base, hostNetworking: 'to' })[0]!.detail).toBe("TO on the host's network: FROM's veth, the bridge, the host's stack");
    expect(planPaths({ ...base, hostNetworking: 'from' })[0]!.detail).toMatch(/^FROM on the host's network: the host's stack, the bridge, TO's veth$/);
    expect(planPaths({ ...base, hostNetworking: 'both' })[0]!.detail).toMatch(/loopback/);
  });
});
