import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, createRunObjects, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';
import { expectSanePath, generatorsOfThisCheckout } from '../helpers/perf-figures.js';

/**
 * perf on Docker 20.10 and 26, whose userland proxy is on by default: the
 * bridge path against db's published port, which docker-proxy serves for a
 * client on the same bridge (both engines leave the bridge's own traffic out of
 * their DNAT rule then); the report names the proxy as the published path's
 * cost. And a host-networking container as TO: the path "host".
 */
describeWithEngine('perf: bridge against the published port through docker-proxy', (engine: DockerEngine) => {
  const runId = `pf-${uniqueRunId()}`;
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db`, hostc: `${runId}-hostc` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine);

  beforeAll(() => createRunObjects(engine, runId, [
    ['network', 'create', ...label, n.app],
    // nothing listens on 5201 in db: tsdiag's receiver takes the published port's container side
    ['run', '-d', '--name', n.db, ...label, '--network', n.app, '-p', '5201', TEST_IMAGE, 'sleep', '3600'],
    ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600'],
    ['run', '-d', '--name', n.hostc, ...label, '--network', 'host', TEST_IMAGE, 'sleep', '3600'],
  ]));
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  it('measures both paths and names docker-proxy with its cost and the daemon.json fix', async () => {
    const res = await cli.run(['perf', n.web, n.db, '--backend', 'docker', '--time', '1', '--count', '20', '--json']);
    expect(res.exitCode, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout);
    const [bridge, published] = report.paths;
    expect(bridge).toMatchObject({ id: 'bridge', via: 'bridge', port: 5201 });
    expect(published).toMatchObject({ id: 'published', via: 'docker-proxy' });
    expect(published.proxyPid).toBeGreaterThan(0);
    expectSanePath(bridge, 20, ['icmp', 'tcp-connect', 'udp-echo']);
    expectSanePath(published, 20, ['tcp-connect']);
    expect(report.hops.map((h: any) => `${h.where} ${h.role}`)).toEqual([`${n.web} from-eth`, 'host from-veth', 'host bridge', 'host to-veth', `${n.db} to-eth`]);
    const f = report.findings.find((x: any) => x.id === 'userland-proxy');
    expect(f.object).toMatch(new RegExp(`^docker-proxy \\(pid ${published.proxyPid}\\) on [\\d.]+:${published.port}$`));
    expect(f.summary).toMatch(/through the proxy against .* over the bridge \(\d+%\)/);
    expect(f.fix).toMatch(/"userland-proxy": false in \/etc\/docker\/daemon.json/);
    expect(await generatorsOfThisCheckout()).toEqual([]);
  });

  it('web -> a host-networking container: path "host" to the network\'s gateway, web\'s veth and the bridge as hops', async () => {
    const gateway = (await docker(engine, ['network', 'inspect', n.app, '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'])).stdout.trim();
    const res = await cli.run(['perf', n.web, n.hostc, '--backend', 'docker', '--time', '1', '--count', '20', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.paths).toHaveLength(1);
    expect(report.paths[0]).toMatchObject({ id: 'host', via: 'host', address: gateway });
    expectSanePath(report.paths[0], 20, ['icmp', 'tcp-connect', 'udp-echo']);
    expect(report.hops.map((h: any) => `${h.where} ${h.role}`)).toEqual([`${n.web} from-eth`, 'host from-veth', 'host bridge']);
    expect(await generatorsOfThisCheckout()).toEqual([]);
  });
});
