import { describe, expect, it } from 'vitest';
import { udpPayload } from '../../../src/perf/measure.js';
import { familyRatios, parseFamilyChoice, pickFamilies, ratioText } from '../../../src/perf/per-family.js';
import { planPaths, publishedIn } from '../../../src/perf/paths.js';
import type { PerfPath } from '../../../src/perf/types.js';

const path = (id: string, family: 4 | 6, bps: number, p50: number): PerfPath => ({
  id, via: 'bridge', family, address: family === 6 ? 'fd00::3' : '10.0.0.3', port: 5201, detail: '', notes: [],
  rtt: { icmp: { sent: 10, received: 10, p50, p90: p50, p99: p50, max: p50, samples: [] } as any },
  tcp: { streams: 1, bps, bytes: 1, ms: 1, samples: [] }, tcpParallel: { streams: 4, bps: bps * 2, bytes: 1, ms: 1, samples: [] },
});

describe('perf per address family', () => {
  it('--family: 4, 6 or both; anything else one line', () => {
    expect([parseFamilyChoice('4'), parseFamilyChoice('6'), parseFamilyChoice('both'), parseFamilyChoice(undefined)]).toEqual([4, 6, 'both', undefined]);
    expect(() => parseFamilyChoice('v6')).toThrow(/^invalid --family "v6": 4, 6 or both$/);
  });

  it('every family the pair can use by default; one it cannot is bad input naming what it shares', () => {
    expect(pickFamilies([4, 6], undefined, 'web and db')).toEqual([4, 6]);
    expect(pickFamilies([6], undefined, 'a and b')).toEqual([6]);
    expect(pickFamilies([4, 6], 6, 'web and db')).toEqual([6]);
    expect(() => pickFamilies([4], 'both', 'web and db')).toThrow('web and db share no IPv6 network (they share only IPv4; tsdiag doctor says more)');
    expect(() => pickFamilies([6], 4, 'a and b')).toThrow('a and b share no IPv4 network (they share only IPv6; tsdiag doctor says more)');
  });

  it('IPv6 as a share of IPv4, path by path, in the words of the report', () => {
    const ratios = familyRatios([path('bridge', 4, 10e9, 0.1), path('published', 4, 5e9, 0.1), path('bridge-v6', 6, 9e9, 0.11)]);
    expect(ratios).toEqual([{ path: 'bridge', tcpPct: 90, tcpParallelPct: 90, rttP50Pct: { icmp: 110 } }]);
    expect(ratioText(ratios[0]!, 4)).toBe("IPv6 on bridge: TCP 1 stream 90%, 4 streams 90% of IPv4; RTT p50 icmp 110% of IPv4's");
    expect(familyRatios([path('bridge-v6', 6, 9e9, 0.1)]), 'no IPv4 twin (an IPv6-only network)').toEqual([]);
  });

  it('IPv6 paths: -v6 ids, the IPv6 gateway, the mappings that answer over IPv6, the [::] proxy', () => {
    const published = [
      { hostIp: '0.0.0.0', hostPort: 18080, containerPort: 5201, proto: 'tcp' as const },
      { hostIp: '127.0.0.1', hostPort: 18081, containerPort: 5201, proto: 'tcp' as const },
    ];
    expect(publishedIn(published, 6).map((m) => m.hostPort), '0.0.0.0 stands for both families').toEqual([18080]);
    expect(publishedIn([{ ...published[0]!, hostIp: 'fd00::1' }], 4)).toEqual([]);
    expect(publishedIn([{ ...published[0]!, family: 4 }], 6), '-p 0.0.0.0:… is IPv4 only').toEqual([]);
    const proxies = [
      { proto: 'tcp' as const, addr: '0.0.0.0', port: 18080, process: 'docker-proxy', pid: 7 },
      { proto: 'tcp' as const, addr: '[::]', port: 18080, process: 'docker-proxy', pid: 8 },
    ];
    const planned = planPaths({
      family: 6, direct: 'fd00::3', hostNetworking: false, recvPort: 5201, servicePort: null, published, hostAddress: 'fd00::1', hostListeners: proxies,
    });
    expect(planned.map((p) => [p.id, p.family, p.via, p.address, p.proxyPid ?? null])).toEqual([
      ['bridge-v6', 6, 'bridge', 'fd00::3', null], ['published-v6', 6, 'docker-proxy', 'fd00::1', 8],
    ]);
    expect(planned[1]!.detail).toBe('[fd00::1]:18080 -> 5201/tcp through docker-proxy (pid 8)');
  });

  it('the UDP test fills one unfragmented datagram: 40 bytes of IPv6 header where IPv4 has 20', () => {
    expect([udpPayload(1500, 4), udpPayload(1500, 6), udpPayload(1280, 6), udpPayload(9000, 6)]).toEqual([1472, 1452, 1232, 1452]);
  });
});
