import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, createRunObjects, describeWithEngine, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';
import { expectSanePath, generatorsOfThisCheckout } from '../helpers/perf-figures.js';

/**
 * perf on Docker 26 with an `--ipv6` network: both families side by side,
 * and db's published port over each, each family's through its own
 * docker-proxy (Docker 26 starts one for 0.0.0.0 and one for [::]; without
 * ip6tables the IPv6 one is the only way in). Docker records no IPv6 gateway
 * it picked itself in IPAM (its endpoints carry it): the published IPv6 path goes to the subnet's ::1.
 */
describeWithEngine('perf over IPv6 on Docker: the bridge and the published port, per family', (engine: DockerEngine) => {
  const runId = `qv6-${uniqueRunId()}`;
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine);
  const subnet6 = `fd51:6c76:${(Date.now() % 0xffff).toString(16)}::/64`;

  beforeAll(() => createRunObjects(engine, runId, [
    ['network', 'create', ...label, '--ipv6', '--subnet', subnet6, n.app],
    // nothing listens on 5201 in db: tsdiag's receiver takes the published port's container side
    ['run', '-d', '--name', n.db, ...label, '--network', n.app, '-p', '5201', TEST_IMAGE, 'sleep', '3600'],
    ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600'],
  ]));
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  it('bridge and published over IPv4 and IPv6, each proxy named in its family, IPv6 as a share of IPv4', async () => {
    const res = await cli.run(['perf', n.web, n.db, '--backend', 'docker', '--time', '1', '--count', '20', '--json']);
    expect(res.exitCode, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(report.families).toEqual([4, 6]);
    expect(report.paths.map((p: any) => [p.id, p.via, p.family])).toEqual([
      ['bridge', 'bridge', 4], ['published', 'docker-proxy', 4], ['bridge-v6', 'bridge', 6], ['published-v6', 'docker-proxy', 6],
    ]);
    const [, pub4, bridge6, pub6] = report.paths;
    expect(pub6.address).toBe(subnet6.replace('::/64', '::1'));
    expect(pub6.detail).toMatch(new RegExp(`^\\[${pub6.address}\\]:${pub6.port} -> 5201/tcp through docker-proxy \\(pid \\d+\\)$`));
    expect(pub6.proxyPid, 'the [::] proxy is another process').not.toBe(pub4.proxyPid);
    expectSanePath(bridge6, 20, ['icmp', 'tcp-connect', 'udp-echo']);
    expectSanePath(pub6, 20, ['tcp-connect']);
    expect(report.ipv6OfIpv4.map((r: any) => r.path)).toEqual(['bridge', 'published']);
    const proxies = report.findings.filter((x: any) => x.id === 'userland-proxy');
    expect(proxies.map((f: any) => f.object)).toEqual([
      `docker-proxy (pid ${pub4.proxyPid}) on ${pub4.address}:${pub4.port}`, `docker-proxy (pid ${pub6.proxyPid}) on [${pub6.address}]:${pub6.port}`,
    ]);
    expect(proxies[1].summary).toMatch(/^the published port \d+ \(IPv6\) goes through Docker's userland proxy: .* over the bridge \(\d+%\)/);
    expect(await generatorsOfThisCheckout()).toEqual([]);
  });
}, ['26']);
