import { expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { uniqueRunId } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';
import { PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, describeWithPodman, podman, podmanSuiteObjects, type PodmanEngine } from '../helpers/podman.js';
import { expectSanePath, generatorsOfThisCheckout } from '../helpers/perf-figures.js';

/**
 * tsdiag perf on a real rootful Podman 4.3 (netavark): web and db on a user
 * network, db's published port through netavark's DNAT (conmon holds the host
 * port, but only to reserve it: the traffic never passes through it, so no
 * userland-proxy finding), and a host-networking container as TO (path
 * "host": web's veth and the bridge, then the host's own stack).
 */
describeWithPodman('perf on a user network, the published port through DNAT, a host-networking TO', (engine: PodmanEngine) => {
  const runId = `pv-${uniqueRunId()}`;
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db`, hostc: `${runId}-hostc` };
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine, 'CONTAINER_HOST');
  const runDetached = (name: string, args: string[]) => podman(engine, ['run', '-d', '--name', name, ...label, ...ULIMITS, ...args]);
  const perf = async (from: string, to: string) => {
    const res = await cli.run(['perf', from, to, '--backend', 'podman', '--time', '1', '--count', '20', '--json']);
    if (res.exitCode === 2 || !res.stdout) throw new Error(`perf exited ${res.exitCode}: ${res.stderr}`);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) };
  };

  podmanSuiteObjects(engine, runId, async () => {
    await podman(engine, ['network', 'create', ...label, n.app]);
    // nothing listens on 5201 in db: tsdiag's receiver takes the published port's container side
    // and 5353/udp: a published UDP port, its container side held by the receiver's second UDP socket
    await runDetached(n.db, ['--network', n.app, '-p', '5201', '-p', '5353/udp', PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.web, ['--network', n.app, PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.hostc, ['--network', 'host', PODMAN_IMAGE, 'sleep', '3600']);
  }, () => cli.dispose());

  it('web -> db: the bridge and the published port through DNAT, sane figures, no finding, every hop, nothing left', async () => {
    const { exitCode, report } = await perf(n.web, n.db);
    expect(report.findings).toEqual([]);
    expect(exitCode).toBe(0);
    const [bridge, published, publishedUdp] = report.paths;
    expect(report.paths).toHaveLength(3);
    expect(bridge).toMatchObject({ id: 'bridge', via: 'bridge', port: 5201 });
    expectSanePath(bridge, 20, ['icmp', 'tcp-connect', 'udp-echo']);
    expect(bridge.udp).toMatchObject({ lossPct: 0 });
    // the published UDP port through netavark's DNAT: UDP echo RTT and UDP at a rate, no TCP
    expect(publishedUdp).toMatchObject({ id: 'published-udp', via: 'dnat', proxyPid: null });
    expect(publishedUdp.detail).toMatch(new RegExp(`^[\\d.]+:${publishedUdp.port} -> 5353/udp through DNAT$`));
    expect(Object.keys(publishedUdp.rtt)).toEqual(['udp-echo']);
    expect(publishedUdp.rtt['udp-echo']).toMatchObject({ received: 20 });
    expect(publishedUdp.tcp).toBeUndefined();
    expect(publishedUdp.udp.received).toBeGreaterThan(0);
    expect(publishedUdp.udp.lossPct).toBeLessThan(1);
    expect(published).toMatchObject({ id: 'published', via: 'dnat', proxyPid: null });
    expect(published.detail).toMatch(new RegExp(`^[\\d.]+:${published.port} -> 5201/tcp through DNAT$`));
    expectSanePath(published, 20, ['tcp-connect']);
    // conmon holds the published host port (netavark's DNAT carries the traffic): a listener, but not a proxy
    const ss = await run('ss', ['-Hltnp', `sport = :${published.port}`], { netns: engine.netns });
    expect(ss.stdout).toMatch(/"conmon"/);
    expect(report.hops.map((h: any) => `${h.where} ${h.role}`)).toEqual([`${n.web} from-eth`, 'host from-veth', 'host bridge', 'host to-veth', `${n.db} to-eth`]);
    expect(report.hops.find((h: any) => h.role === 'bridge').dev).toMatch(/^podman\d+$/);
    expect(await generatorsOfThisCheckout()).toEqual([]);
  });

  it('web -> a host-networking container: path "host" to the network\'s gateway, web\'s veth and the bridge as hops', async () => {
    const gateway = (await podman(engine, ['network', 'inspect', n.app, '--format', '{{range .Subnets}}{{.Gateway}}{{end}}'])).stdout.trim();
    const { exitCode, report } = await perf(n.web, n.hostc);
    expect(exitCode, JSON.stringify(report.findings)).toBe(0);
    expect(report.paths).toHaveLength(1);
    expect(report.paths[0]).toMatchObject({ id: 'host', via: 'host', address: gateway });
    expect(report.paths[0].detail).toMatch(/^TO on the host's network/);
    expectSanePath(report.paths[0], 20, ['icmp', 'tcp-connect', 'udp-echo']);
    expect(report.hops.map((h: any) => `${h.where} ${h.role}`)).toEqual([`${n.web} from-eth`, 'host from-veth', 'host bridge']);
    expect(await generatorsOfThisCheckout()).toEqual([]);
  });
});
