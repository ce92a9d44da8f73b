import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli, checkIn } from '../helpers/docker-cli.js';
import { runHostFix } from '../helpers/docker-faults.js';

/**
 * The path walk on real Docker containers: a hop broken by hand in the
 * engine's host namespace or inside a container is named with its object and
 * a fix in Docker's terms (nsenter on the container's pid for what lives in
 * it), and the fix, run for real, heals it.
 */
const PORT = 5432;
const WITHOUT_OUTSIDE_DNS = ['--check', '!^dns\\.upstream$'];

describeWithEngine('doctor: the path walk on a real engine', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine);
  let bridge = '';
  let dbVeth = '';
  let dbPid = '';
  const inHost = (...args: string[]) => execa('ip', ['-n', engine.netns, ...args]);

  beforeAll(async () => {
    try {
      await docker(engine, ['network', 'create', ...label, n.app]);
      await docker(engine, ['run', '-d', '--name', n.db, ...label, '--network', n.app, TEST_IMAGE, 'httpd', '-f', '-p', String(PORT)]);
      await docker(engine, ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600']);
      const id = (await docker(engine, ['network', 'inspect', '-f', '{{.Id}}', n.app])).stdout.trim();
      bridge = `br-${id.slice(0, 12)}`;
      dbPid = (await docker(engine, ['inspect', '-f', '{{.State.Pid}}', n.db])).stdout.trim();
      // the host end of db's veth: the link in the engine's namespace whose index db's eth0 names as its peer
      const peer = JSON.parse((await execa('nsenter', ['-t', dbPid, '-n', 'ip', '-j', 'link', 'show', 'eth0'])).stdout)[0].link_index;
      dbVeth = JSON.parse((await inHost('-j', 'link', 'show')).stdout).find((l: any) => l.ifindex === peer).ifname;
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });
  afterEach(async () => {
    // whatever a case broke is put back, also when it failed
    await execa('nsenter', ['-t', dbPid, '-n', 'nft', 'delete', 'table', 'inet', 'guard']).catch(() => undefined);
    await inHost('link', 'set', dbVeth, 'master', bridge).catch(() => undefined);
    await execa('nsenter', ['-t', dbPid, '-n', 'ip', 'link', 'set', 'eth0', 'up']).catch(() => undefined);
  });
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  const doctor = () => cli.doctor(n.web, n.db, 'docker', '--port', String(PORT), ...WITHOUT_OUTSIDE_DNS);

  async function expectHealed() {
    const { report } = await doctor();
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
  }

  it('healthy: the path is drawn with the veths docker made, every path check passes', async () => {
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(0);
    for (const id of ['route.missing', 'link.state', 'link.master', 'addr.duplicate', 'neigh.stale']) expect(checkIn(report, id).status, id).toBe('pass');
    expect(JSON.stringify((report as any).path.lines)).toContain(dbVeth);
  });

  it("db's veth taken off docker's bridge: link.master names it; the printed fix puts it back", async () => {
    await inHost('link', 'set', dbVeth, 'nomaster');
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'link.master');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`${dbVeth}, the host end of ${n.db}'s veth, is on no bridge, not of ${bridge} (${n.app})`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} ip link set ${dbVeth} master ${bridge}`);
    expect(checkIn(report, 'reach.tcp')).toMatchObject({ status: 'skip', because: 'link.master' });
    await runHostFix(engine, c.fix!);
    await expectHealed();
  });

  it("db's eth0 down inside the container: link.state with an nsenter fix on its pid", async () => {
    await execa('nsenter', ['-t', dbPid, '-n', 'ip', 'link', 'set', 'eth0', 'down']);
    const { report } = await doctor();
    const c = checkIn(report, 'link.state');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`${n.db}'s eth0 is down`);
    expect(c.fix).toBe(`nsenter -t ${dbPid} -n ip link set eth0 up`);
    const [cmd, ...args] = c.fix!.split(' ');
    await execa(cmd!, args);
    await expectHealed();
  });

  it("a REJECT in db's own namespace (nft, inside the container): traced there through its /proc path, named, the nsenter fix removes it", async () => {
    await execa('nsenter', ['-t', dbPid, '-n', 'nft', '-f', '-'], { input: `table inet guard {\n chain input {\n type filter hook input priority 0; policy accept;\n tcp dport ${PORT} reject with tcp reset\n }\n}\n` });
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'fw.rule-drop');
    expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
    expect(c.summary).toMatch(new RegExp(`rule handle \\d+ of inet guard input \\(in ${n.db}'s namespace\\) rejects`));
    expect(c.evidence.join('\n')).toMatch(/named by nftrace/);
    expect(c.fix).toMatch(new RegExp(`^nsenter -t ${dbPid} -n nft delete rule inet guard input handle \\d+$`));
    const [cmd, ...args] = c.fix!.split(' ');
    await execa(cmd!, args);
    await expectHealed();
  });
});
