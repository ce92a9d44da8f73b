import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId } from '../helpers/docker.js';
import { EngineCli, checkIn, failingIds } from '../helpers/docker-cli.js';

/**
 * The doctor on a Docker 26 `--ipv6` network: the inventory carries the
 * containers' GlobalIPv6Address and the network's IPv6 subnet, and the pair
 * is reached over both families (Docker 26 leaves ip6tables alone).
 */
describeWithEngine('doctor on a dual-stack Docker network', (engine) => {
  const runId = `v6x${uniqueRunId()}`;
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const subnet6 = `fd00:76:${Math.floor(Math.random() * 0xffff).toString(16)}::/64`;
  const cli = new EngineCli(engine);

  beforeAll(async () => {
    await docker(engine, ['network', 'create', ...label, '--ipv6', '--subnet', subnet6, n.app]);
    await docker(engine, ['run', '-d', '--name', n.db, ...label, '--network', n.app, TEST_IMAGE, 'httpd', '-f', '-p', '5432']);
    await docker(engine, ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600']);
  }, 60_000);
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  it('sees the IPv6 addresses and reaches db over IPv4 and IPv6', async () => {
    const { exitCode, report } = await cli.doctor(n.web, n.db, 'docker', '--port', '5432', '--check', '!^dns\\.upstream$');
    expect(failingIds(report), JSON.stringify(report.checks.filter((c) => c.status === 'fail'), null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
    const dbV6 = (await docker(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.app}").GlobalIPv6Address}}`, n.db])).stdout.trim();
    expect(dbV6.startsWith(subnet6.replace('::/64', '::'))).toBe(true);
    expect(checkIn(report, 'reach.icmp').summary).toMatch(/over IPv4 and IPv6/);
    expect(checkIn(report, 'reach.tcp').summary).toContain(`[${dbV6}]:5432`);
    expect(checkIn(report, 'dns.resolve-peer').summary).toContain(`${dbV6} (A and AAAA)`);
    expect(checkIn(report, 'addr.missing').summary).toContain(dbV6);
  });
}, ['26']);
