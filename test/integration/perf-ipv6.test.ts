import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PairSandbox } from '../helpers/pair-sandbox.js';
import { expectSanePath, iperf3Bps, pingPercentiles } from '../helpers/perf-figures.js';
import { waitFor } from '../helpers/sandbox.js';

const PROBES = ['icmp', 'tcp-connect', 'udp-echo'];

/**
 * tsdiag perf over IPv6 in a sandbox host: a dual-stack pair measured over
 * both families side by side (IPv6's figures as a share of IPv4's), its IPv6
 * path against iperf3 -6 and ping -6 between the same namespaces (a 1 Gbit/s
 * tbf, so the ratio is the path's and not the CPUs'), Node's generator with
 * ping -6, and a pair on an IPv6-only network.
 */
describe('tsdiag perf over IPv6', () => {
  let p: PairSandbox;
  let state: any;
  let baseline = '';
  const v6 = (name: string): string => state.containers[name].endpoints[0].ipv6;
  const namespaces = () => [p.sb.name, ...['web', 'db', 'a6', 'b6'].map((c) => p.sb.containerNetns(c))];
  const processes = async () => (await Promise.all(namespaces().map(async (ns) => `${ns}: ${(await execa('ip', ['netns', 'pids', ns])).stdout.split('\n').sort().join(' ')}`))).join('\n');
  const perf = async (env: Record<string, string>, from: string, to: string, ...args: string[]) => {
    const res = await p.sb.cli(['perf', from, to, '--time', '1', '--count', '30', '--json', ...args], { env });
    if (res.exitCode === 2 || !res.stdout) throw new Error(`perf exited ${res.exitCode}: ${res.stderr}`);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) };
  };
  const inHost = (...args: string[]) => p.sb.inNetns(p.sb.name, args);

  beforeAll(async () => {
    p = await PairSandbox.create('pv6', [], { ipv6: true });
    await p.sb.ok(['network', 'create', '--ipv6', '--ipv4=false', 'only6']);
    for (const name of ['a6', 'b6']) await p.sb.ok(['run', '-d', '--name', name, '--network', 'only6', '--', 'sleep', 'infinity']);
    state = await p.sb.state();
    baseline = await processes();
  });
  afterEach(async () => {
    await inHost('tc', 'qdisc', 'del', 'dev', p.hostEnd.db!, 'root');
    await waitFor(async () => (await processes()) === baseline, 5000);
    expect(await processes()).toBe(baseline);
  });
  afterAll(async () => p?.dispose());

  it('a dual-stack pair: both families side by side, every probe and test over IPv6 too, "IPv6 X% of IPv4" in text and --json', async () => {
    const { exitCode, report } = await perf({}, 'web', 'db', '--udp-rate', '50');
    expect(exitCode).toBe(0);
    expect(report.findings).toEqual([]);
    expect(report.families).toEqual([4, 6]);
    expect(report.paths.map((x: any) => [x.id, x.via, x.family, x.generator])).toEqual([
      ['bridge', 'bridge', 4, 'native'], ['bridge-v6', 'bridge', 6, 'native'],
    ]);
    const [v4path, v6path] = report.paths;
    expect(v4path.address).toBe(state.containers.db.endpoints[0].ipv4);
    expect(v6path.address).toBe(v6('db'));
    for (const path of report.paths) expectSanePath(path, 30, PROBES);
    // 40 bytes of IPv6 header where IPv4 has 20: the datagrams still fill the MTU without fragments
    expect(v4path.udp).toMatchObject({ size: 1472, lossPct: 0 });
    expect(v6path.udp).toMatchObject({ size: 1452, lossPct: 0 });
    const [ratio] = report.ipv6OfIpv4;
    expect(ratio.path).toBe('bridge');
    expect(ratio.tcpPct).toBe(Math.round((v6path.tcp.bps / v4path.tcp.bps) * 100));
    expect(Object.keys(ratio.rttP50Pct).sort()).toEqual([...PROBES].sort());

    const text = await p.sb.cli(['perf', 'web', 'db', '--time', '1', '--count', '10']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^ {2}bridge \(bridge, IPv4\): /m);
    expect(text.stdout).toContain(`  bridge-v6 (bridge, IPv6): container to container over the bridge, [${v6('db')}]:`);
    expect(text.stdout).toMatch(/^ {2}IPv6 on bridge: TCP 1 stream \d+%, 4 streams \d+%, UDP \d+% of IPv4; RTT p50 icmp \d+%, tcp-connect \d+%, udp-echo \d+% of IPv4's$/m);
  });

  it('--family 6 and --family 4 measure one family; bad --family is one line and exit 2', async () => {
    expect((await perf({}, 'web', 'db', '--family', '6', '--count', '5')).report.paths.map((x: any) => x.id)).toEqual(['bridge-v6']);
    const only4 = (await perf({}, 'web', 'db', '--family', '4', '--count', '5')).report;
    expect(only4.paths.map((x: any) => x.id)).toEqual(['bridge']);
    expect(only4.ipv6OfIpv4).toEqual([]);
    for (const [args, line] of [
      [['--family', '5'], /^tsdiag: invalid --family "5": 4, 6 or both$/],
      [['--family', 'ipv6'], /^tsdiag: invalid --family "ipv6": 4, 6 or both$/],
    ] as const) {
      const res = await p.sb.cli(['perf', 'web', 'db', ...args]);
      expect(res.exitCode, args.join(' ')).toBe(2);
      expect(res.stderr.trim()).toMatch(line);
    }
  });

  it('an IPv6-only network: the IPv6 path alone; --family 4 or both there is bad input, nothing started', async () => {
    const { exitCode, report } = await perf({}, 'a6', 'b6');
    expect(exitCode).toBe(0);
    expect(report.families).toEqual([6]);
    expect(report.paths.map((x: any) => x.id)).toEqual(['bridge-v6']);
    expect(report.paths[0].address).toBe(v6('b6'));
    expectSanePath(report.paths[0], 30, PROBES);
    expect(report.hops.map((h: any) => h.role)).toEqual(['from-eth', 'from-veth', 'bridge', 'to-veth', 'to-eth']);
    for (const family of ['4', 'both']) {
      const res = await p.sb.cli(['perf', 'a6', 'b6', '--family', family]);
      expect(res.exitCode).toBe(2);
      expect(res.stderr.trim()).toBe('tsdiag: a6 and b6 share no IPv4 network (they share only IPv6; tsdiag doctor says more)');
    }
  });

  it('RTT over IPv6: tsdiag\'s ICMPv6 echo p50 within ping -6\'s own noise between the same namespaces, TCP connect near it', async () => {
    const { report } = await perf({}, 'web', 'db', '--family', '6', '--count', '100');
    const path = report.paths[0];
    expect(path).toMatchObject({ id: 'bridge-v6', generator: 'native' });
    const { p10, p50, p90 } = await pingPercentiles(p, v6('db'), 100, 6);
    const noise = Math.max(p90 - p10, 0.05);
    expect(Math.abs(path.rtt.icmp.p50 - p50), `tsdiag ${path.rtt.icmp.p50} ping -6 ${p50} (p10 ${p10}, p90 ${p90})`).toBeLessThanOrEqual(noise);
    expect(Math.abs(path.rtt['tcp-connect'].p50 - p50), `connect ${path.rtt['tcp-connect'].p50} ping -6 ${p50}`).toBeLessThanOrEqual(2 * noise);
    expect(path.rtt['udp-echo'].p50).toBeLessThan(1);
  });

  // a 1 Gbit/s shaper on db's host veth: far below what both reach on this machine even when it is busy, so the figure is the path's
  it('a 1 Gbit/s path over IPv6: TCP 1 and 4 streams within 20% of iperf3 -6, the tbf named with both families measured', async () => {
    await inHost('tc', 'qdisc', 'add', 'dev', p.hostEnd.db!, 'root', 'tbf', 'rate', '1gbit', 'burst', '1mb', 'latency', '50ms');
    const { exitCode, report } = await perf({}, 'web', 'db', '--time', '2', '--count', '5', '--udp-rate', '1');
    const [ref1, ref4] = [await iperf3Bps(p, 2, 1, 6), await iperf3Bps(p, 2, 4, 6)];
    const v6path = report.paths.find((x: any) => x.id === 'bridge-v6');
    const detail = `tsdiag/iperf3 -6 Gbit/s: ${(v6path.tcp.bps / 1e9).toFixed(3)}/${(ref1 / 1e9).toFixed(3)}, 4 streams ${(v6path.tcpParallel.bps / 1e9).toFixed(3)}/${(ref4 / 1e9).toFixed(3)}`;
    expect(Math.abs(v6path.tcp.bps - ref1) / ref1, detail).toBeLessThan(0.2);
    expect(Math.abs(v6path.tcpParallel.bps - ref4) / ref4, detail).toBeLessThan(0.2);
    expect(ref1, detail).toBeGreaterThan(0.7e9);
    // the shaper bounds both families alike: IPv6 near 100% of IPv4 on the same hops
    expect(report.ipv6OfIpv4[0].tcpPct, JSON.stringify(report.ipv6OfIpv4)).toBeGreaterThan(80);
    expect(exitCode).toBe(1);
    expect(report.findings.map((f: any) => f.id)).toContain('qdisc-rate');
  }, 120_000);

  it('TSDIAG_NATIVE=-perf: Node\'s generator and ping -6 measure the IPv6 path', async () => {
    const { exitCode, report } = await perf({ TSDIAG_NATIVE: '-perf' }, 'web', 'db', '--family', '6', '--count', '10');
    expect(exitCode).toBe(0);
    const [path] = report.paths;
    expect(path).toMatchObject({ id: 'bridge-v6', generator: 'node', family: 6 });
    expectSanePath(path, 10, PROBES);
    expect(path.udp).toMatchObject({ size: 1452, lossPct: 0 });
  });
});
