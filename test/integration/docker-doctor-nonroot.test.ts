import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { CLI } from '../helpers/sandbox.js';

/**
 * A member of the docker group without root: the doctor reads the engine's
 * API and runs what needs no namespace; every check that needs one is
 * skipped saying it needs root, and nothing is reported as failing.
 */
describeWithEngine('doctor --backend docker without root', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  let dockerGid = '';

  beforeAll(async () => {
    dockerGid = (await execa('getent', ['group', 'docker'])).stdout.split(':')[2]!;
    try {
      await docker(engine, ['network', 'create', ...label, n.app]);
      await docker(engine, ['run', '-d', '--name', n.db, ...label, '--network', n.app, TEST_IMAGE, 'httpd', '-f', '-p', '5432']);
      await docker(engine, ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600']);
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });
  afterAll(async () => removeRunObjects(engine, runId));

  it('the API-only checks run, the rest say they need root, exit 0', async () => {
    const res = await execa('setpriv', [
      '--reuid=65534', `--regid=${dockerGid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
      process.execPath, CLI, '--host-netns', engine.netns, 'doctor', n.web, n.db, '--backend', 'docker', '--json',
    ], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DOCKER_HOST: engine.host, TSDIAG_STATE_DIR: '/tmp' }, extendEnv: false, reject: false, timeout: 60_000 });
    expect(res.exitCode, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { checks: Array<{ id: string; status: string; summary: string }> };
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    for (const id of ['topology.exists', 'topology.common-network', 'app.listen']) expect(byId.get(id)?.status, id).toBe('pass');
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const skipped = report.checks.filter((c) => c.status === 'skip' && /could not gather facts/.test(c.summary));
    expect(skipped.length).toBeGreaterThan(5);
    for (const c of skipped) expect(c.summary, c.id).toMatch(/this check needs root: CAP_NET_ADMIN and CAP_SYS_ADMIN/);
  });
});
