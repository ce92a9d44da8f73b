import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli, checkIn, failingIds } from '../helpers/docker-cli.js';
import { Cleanup, dropInDockerUser, holdHostPort, readEngineSysctl, removeNativeForwardJumps, runHostFix, withIpForwardOff } from '../helpers/docker-faults.js';

/**
 * `tsdiag doctor` on the real engine: healthy, and the faults of
 * spec/faults.md that a Docker host shows, each named by its check with the
 * fix, and healthy again once the fault is removed. One file, so that S7 and
 * S10 (which change the engine's host namespace) never overlap the cases
 * that expect a clean host.
 */
const PORT = 5432;
const httpd = (bind: string) => [TEST_IMAGE, 'httpd', '-f', '-p', bind];
/**
 * The engine's host namespace has no way out: the upstream its containers'
 * names are forwarded to (the machine's resolver) cannot be reached from
 * there, so outside names never resolve in these tests and dns.upstream (S3,
 * S4, not part of this suite) would fail by construction.
 */
const WITHOUT_OUTSIDE_DNS = ['--check', '!^dns\\.upstream$'];

describeWithEngine('doctor --backend docker on a real engine', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = {
    app: `${runId}-app`, other: `${runId}-other`,
    web: `${runId}-web`, db: `${runId}-db`,
    plainWeb: `${runId}-plainweb`, plainDb: `${runId}-plaindb`,
    far: `${runId}-far`, local: `${runId}-local`, pub: `${runId}-pub`,
  };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine);
  const cleanup = new Cleanup();
  let dbIp = '';

  const runDetached = (name: string, args: string[], reject = true) =>
    docker(engine, ['run', '-d', '--name', name, ...label, ...args], { reject });
  const doctor = (from: string, to: string) => cli.doctor(from, to, 'docker', ...WITHOUT_OUTSIDE_DNS);

  async function expectHealthy(from: string, to: string): Promise<void> {
    const { exitCode, report } = await doctor(from, to);
    expect(failingIds(report), JSON.stringify(report.checks.filter((c) => c.status === 'fail'), null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
  }

  /** Runs a `docker ...` fix as printed, against the test engine. */
  async function runDockerFix(fix: string): Promise<void> {
    for (const cmd of fix.split(' && ')) {
      const [bin, ...args] = cmd.split(' ');
      expect(bin).toBe('docker');
      await docker(engine, args);
    }
  }

  beforeAll(async () => {
    try {
      for (const net of [n.app, n.other]) await docker(engine, ['network', 'create', ...label, net]);
      await runDetached(n.db, ['--network', n.app, ...httpd(String(PORT))]);
      await runDetached(n.web, ['--network', n.app, TEST_IMAGE, 'sleep', '3600']);
      await runDetached(n.plainDb, httpd(String(PORT)));
      await runDetached(n.plainWeb, [TEST_IMAGE, 'sleep', '3600']);
      await runDetached(n.far, ['--network', n.other, ...httpd(String(PORT))]);
      await runDetached(n.local, ['--network', n.app, ...httpd(`127.0.0.1:${PORT}`)]);
      dbIp = (await docker(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.app}").IPAddress}}`, n.db])).stdout.trim();
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await cleanup.runAll();
    } finally {
      await removeRunObjects(engine, runId);
      cli.dispose();
    }
  });

  it('healthy: every check passes on a user-defined network; swarm.ports is skipped (no swarm)', async () => {
    const { exitCode, report } = await doctor(n.web, n.db);
    expect(failingIds(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.port).toBe(PORT);
    for (const id of ['reach.tcp', 'app.listen', 'fw.forward-policy', 'fw.chains-intact', 'kernel.br-netfilter']) {
      expect(checkIn(report, id).status, id).toBe('pass');
    }
    expect(checkIn(report, 'swarm.ports').status).toBe('skip');
  });

  it('S1: both on the default bridge: dns.embedded fails with the network fix; on a user-defined network it passes', async () => {
    const { exitCode, report } = await doctor(n.plainWeb, n.plainDb);
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'dns.embedded');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`${n.plainWeb} is only on the default bridge, which resolves no container names`);
    expect(c.fix).toBe(`docker network create app && docker network connect app ${n.plainWeb} && docker network connect app ${n.plainDb}`);
    // the fix with the test's own network in place of "app"
    await runDockerFix(`docker network connect ${n.other} ${n.plainWeb} && docker network connect ${n.other} ${n.plainDb}`);
    expect(checkIn((await doctor(n.plainWeb, n.plainDb)).report, 'dns.embedded').status).toBe('pass');
  });

  it('S2: no shared network: topology.common-network fails with `docker network connect`; the fix works', async () => {
    const { exitCode, report } = await doctor(n.web, n.far);
    expect(exitCode).toBe(1);
    expect(failingIds(report)[0]).toBe('topology.common-network');
    const c = checkIn(report, 'topology.common-network');
    expect(c.summary).toBe(`${n.web} and ${n.far} share no network`);
    expect(c.fix).toBe(`docker network connect ${n.other} ${n.web}`);
    await runDockerFix(c.fix!);
    await expectHealthy(n.web, n.far);
    await docker(engine, ['network', 'disconnect', n.other, n.web]);
  });

  it("S7: a DOCKER-USER rule dropping db's port is named with chain and position; deleting it fixes", async () => {
    const undo = await dropInDockerUser(engine, dbIp, PORT);
    cleanup.add(undo);
    const { exitCode, report } = await doctor(n.web, n.db);
    expect(exitCode).toBe(1);
    // the probe fails only because of the rule: said so, not counted as a second failure
    expect(checkIn(report, 'reach.tcp')).toMatchObject({ status: 'skip', because: 'fw.rule-drop' });
    const c = checkIn(report, 'fw.rule-drop');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`rule #1 of filter DOCKER-USER drops ${n.web} -> ${n.db}: -A DOCKER-USER -d ${dbIp}/32 -p tcp -m tcp --dport ${PORT} -j DROP`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} iptables -D DOCKER-USER 1`);
    await runHostFix(engine, c.fix!);
    await expectHealthy(n.web, n.db);
  });

  it('S10: ip_forward 0 fails kernel.ip-forward while web -> db (bridged) works; the fix works; the value is restored', async () => {
    const before = await readEngineSysctl(engine, 'net.ipv4.ip_forward');
    await withIpForwardOff(engine, async () => {
      const { exitCode, report } = await doctor(n.web, n.db);
      expect(exitCode).toBe(1);
      expect(failingIds(report), JSON.stringify(report.checks.filter((c) => c.status === 'fail'), null, 1)).toEqual(['kernel.ip-forward']);
      expect(checkIn(report, 'reach.tcp').status).toBe('pass');
      const c = checkIn(report, 'kernel.ip-forward');
      expect(c.evidence).toContain('net.ipv4.ip_forward = 0');
      expect(c.evidence.join('\n')).toMatch(new RegExp(`routed, so broken: outbound NAT from ${n.app}`));
      expect(c.fix).toBe(`ip netns exec ${engine.netns} sysctl -w net.ipv4.ip_forward=1`);
      await runHostFix(engine, c.fix!);
      await expectHealthy(n.web, n.db);
    });
    expect(await readEngineSysctl(engine, 'net.ipv4.ip_forward')).toBe(before);
  });

  it('S12: a host process on the port db publishes: the engine cannot start db; ports.conflict names the process; the fix works', async () => {
    const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
    const holder = await holdHostPort(engine, hostPort);
    cleanup.add(() => holder.release());
    const refused = await runDetached(n.pub, ['--network', n.app, '-p', `${hostPort}:${PORT}`, ...httpd(String(PORT))], false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/address already in use|port is already allocated/);
    const { exitCode, report } = await doctor(n.web, n.pub);
    expect(exitCode).toBe(1);
    expect(checkIn(report, 'topology.exists').summary).toBe(`container "${n.pub}" is not running`);
    const c = checkIn(report, 'ports.conflict');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`host port ${hostPort}/tcp that ${n.pub} asks to publish (so it cannot start) is taken: node (pid ${holder.pid}) listens on tcp 0.0.0.0:${hostPort}`);
    expect(c.fix).toBe(`kill ${holder.pid} && docker start ${n.pub}`);
    await holder.release(); // the fix's `kill PID`, on the process this test started
    await runDockerFix(c.fix!.split(' && ')[1]!);
    await expectHealthy(n.web, n.pub);
    expect(checkIn((await doctor(n.web, n.pub)).report, 'ports.conflict').evidence[0]).toBe(`${n.pub} publishes 0.0.0.0:${hostPort}->${PORT}/tcp: nothing else listens there`);
  });

  it('S3: --dns 127.0.0.1 is dialled inside the container, where nothing listens: dns.upstream names it from the engine\'s HostConfig.Dns', async () => {
    const loop = `${runId}-loop`;
    await runDetached(loop, ['--network', n.app, '--dns', '127.0.0.1', TEST_IMAGE, 'sleep', '3600']);
    // Docker 20.10 lists no ExtServers in the resolver file: the engine's HostConfig.Dns is where the check learns the upstream
    const resolv = (await docker(engine, ['exec', loop, 'cat', '/etc/resolv.conf'])).stdout;
    expect(resolv).toMatch(/^nameserver 127\.0\.0\.11$/m);
    const lookup = await docker(engine, ['exec', loop, 'nslookup', 'outside.invalid'], { reject: false });
    expect(lookup.exitCode).not.toBe(0);
    // Docker 20.10's resolver stays silent when every upstream fails (later versions answer SERVFAIL)
    expect(String(lookup.stdout) + String(lookup.stderr)).toMatch(/SERVFAIL|can't find|timed out/);
    const { exitCode, report } = await cli.doctor(loop, n.db, 'docker', '--check', '^dns\\.upstream$');
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'dns.upstream');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`no upstream of ${loop} answers: outside names do not resolve (127.0.0.1 is dialled from inside the container, where nothing listens)`);
    expect(c.evidence.join('\n')).toMatch(/^127\.0\.0\.1 \(dialled from inside the container\): /m);
    expect(c.fix).toBe("docker run --dns <an address reachable from the container> ... (127.0.0.1 is the container's own loopback)");
    // names still resolve through Docker's embedded resolver
    expect(checkIn((await cli.doctor(loop, n.db, 'docker', '--check', '^dns\\.resolve-peer$')).report, 'dns.resolve-peer').status).toBe('pass');
    await docker(engine, ['rm', '-f', loop]);
  });

  it('S13: db bound to 127.0.0.1: app.listen fails with the rebind fix; restarted on 0.0.0.0 it passes', async () => {
    const { exitCode, report } = await doctor(n.web, n.local);
    expect(exitCode).toBe(1);
    expect(report.port).toBe(PORT);
    const c = checkIn(report, 'app.listen');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`${n.local} listens on port ${PORT} only on 127.0.0.1: unreachable from other containers`);
    expect(c.fix).toBe(`restart the service in ${n.local} bound to 0.0.0.0:${PORT} (not 127.0.0.1)`);
    expect(checkIn(report, 'reach.tcp').summary).toMatch(/refuses connections/);
    await docker(engine, ['rm', '-f', n.local]);
    await runDetached(n.local, ['--network', n.app, ...httpd(`0.0.0.0:${PORT}`)]);
    await expectHealthy(n.web, n.local);
  });
});

/**
 * S6 on the Docker host: Docker sets FORWARD policy DROP and
 * bridge-nf-call-iptables=1 in its host namespace, which breaks every other
 * bridge there that no rule accepts (libvirt's, LXC's, a hand-made one). The
 * doctor works on containers, so the other bridge is tsdiag's own network
 * made in the engine's namespace (`--host-netns`), with tsdiag's own ACCEPT
 * jumps taken out: a bridge nothing accepts, beside Docker's. The doctor runs
 * with --backend native on it; its fix (reconcile) is run for real.
 */
describeWithEngine("doctor --backend native: S6, a non-Docker bridge broken by Docker's FORWARD DROP", (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { net: `${runId}-br`, web: `${runId}-nweb`, db: `${runId}-ndb` };
  const cli = new EngineCli(engine);
  const doctor = (...extra: string[]) => cli.doctor(n.web, n.db, 'native', ...(extra.length ? extra : WITHOUT_OUTSIDE_DNS));

  beforeAll(async () => {
    await cli.ok(['network', 'create', n.net]);
    await cli.ok(['run', '-d', '--name', n.db, '--network', n.net, '--', 'busybox', 'httpd', '-f', '-p', String(PORT)]);
    await cli.ok(['run', '-d', '--name', n.web, '--network', n.net, '--', 'sleep', '3600']);
  });

  afterAll(async () => {
    await cli.run(['rm', '-f', n.web, n.db]);
    await cli.run(['network', 'rm', n.net]);
    await cli.run(['dns', 'stop']);
    cli.dispose();
  });

  it("Docker's host really has FORWARD DROP and br_netfilter on", async () => {
    expect(await readEngineSysctl(engine, 'net.bridge.bridge-nf-call-iptables')).toBe('1');
    const { report } = await doctor('--check', '^fw\\.forward-policy$');
    expect(checkIn(report, 'fw.forward-policy').evidence).toContain('-P FORWARD DROP');
  });

  it('with nothing accepting the bridge, fw.forward-policy and kernel.br-netfilter fail; the fix works', async () => {
    await expectNativeHealthy();
    await removeNativeForwardJumps(engine);
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'fw.forward-policy');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^FORWARD policy DROP and nothing accepts tsd-\w+'s traffic: \S+ -> \S+ is dropped by it$/);
    expect(c.evidence.join('\n')).toMatch(/FORWARD policy DROP counted [1-9]\d* packet/);
    expect(c.fix).toBe(`tsdiag --host-netns ${engine.netns} system reconcile`);
    expect(checkIn(report, 'kernel.br-netfilter').status).toBe('fail');
    expect(checkIn(report, 'kernel.br-netfilter').fix).toMatch(new RegExp(`^ip netns exec ${engine.netns} iptables -I FORWARD -i (tsd-\\w+) -o \\1 -j ACCEPT$`));
    await cli.ok(c.fix!.split(' ').slice(3)); // `tsdiag --host-netns NS` is what cli.run() prefixes
    await expectNativeHealthy();
  });

  async function expectNativeHealthy(): Promise<void> {
    const { exitCode, report } = await doctor();
    expect(failingIds(report), JSON.stringify(report.checks.filter((x) => x.status === 'fail'), null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
  }
});
