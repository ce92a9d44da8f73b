import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { uniqueRunId } from '../helpers/docker.js';
import { EngineCli, checkIn, failingIds } from '../helpers/docker-cli.js';
import { Cleanup, holdHostPort, inEngineHost, runHostFix } from '../helpers/docker-faults.js';
import {
  PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, aardvarkUpstream, describeWithPodman, podman, podmanLocal, podmanSuiteObjects, startUpstream,
  type PodmanEngine,
} from '../helpers/podman.js';
import { AARDVARK_DIR } from '../../src/diag/checks/dns/aardvark.js';
import { readTarGz } from '../../src/diag/bundle/tar.js';
import type { DoctorJson } from '../helpers/lab.js';
import { putBehindMtuRouter, takeFromMtuRouter, type MtuRouterSite } from '../../src/lab/faults/mtu.js';
import { run } from '../../src/netcore/kernel/exec.js';

/**
 * The faults of spec/faults.md that apply to rootful Podman (netavark,
 * aardvark-dns 1.4), built on the real engine: each named by its check with
 * the fix in Podman's words, the fix run where it is a command, and the check
 * passing again. Firewall faults change only the engine's namespace, and are
 * undone also on failure.
 */
const PORT = 5432;
const httpd = (bind: string) => [PODMAN_IMAGE, 'httpd', '-f', '-p', bind];
const only = (re: string) => ['--check', re];

describeWithPodman('doctor --backend podman: the faults of spec/faults.md', (engine: PodmanEngine) => {
  const runId = uniqueRunId();
  const n = {
    app: `${runId}-app`, int: `${runId}-int`, web: `${runId}-web`, db: `${runId}-db`,
    solo: `${runId}-solo`, iweb: `${runId}-iweb`, idb: `${runId}-idb`, pub: `${runId}-pub`, far: `${runId}-far`,
  };
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine, 'CONTAINER_HOST');
  const cleanup = new Cleanup();
  let dbIp = '';

  const runDetached = (name: string, args: string[], reject = true) =>
    podman(engine, ['run', '-d', '--name', name, ...label, ...ULIMITS, ...args], { reject });
  const doctor = (from: string, to: string, ...check: string[]) => cli.doctor(from, to, 'podman', ...check);

  podmanSuiteObjects(engine, runId, async () => {
    await podman(engine, ['network', 'create', ...label, n.app]);
    await podman(engine, ['network', 'create', '--internal', ...label, n.int]);
    await runDetached(n.db, ['--network', n.app, ...httpd(String(PORT))]);
    await runDetached(n.web, ['--network', n.app, PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.far, ['--network', n.app, ...httpd(String(PORT))]);
    // podman's default network `podman`: DNS off, as Docker's default bridge
    await runDetached(n.solo, ['--network', 'podman', PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.iweb, ['--network', n.int, PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.idb, ['--network', n.int, PODMAN_IMAGE, 'sleep', '3600']);
    dbIp = (await podman(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.app}").IPAddress}}`, n.db])).stdout.trim();
  }, () => cli.dispose(), () => cleanup.runAll());

  it("S1 on podman's default network (DNS off): dns.embedded fails with `podman network connect`; the fix works", async () => {
    const { exitCode, report } = await doctor(n.solo, n.db, ...only('^dns\\.embedded$'));
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'dns.embedded');
    expect(c.summary).toBe(`${n.solo} is only on podman, with DNS off: aardvark-dns resolves no container names there`);
    expect(c.evidence[0]).toBe(`${n.solo} is on: podman (DNS off: podman's default network, or --disable-dns)`);
    expect(c.fix).toBe(`podman network connect ${n.app} ${n.solo}`);
    await podman(engine, c.fix!.split(' ').slice(1));
    expect(checkIn((await doctor(n.solo, n.db, ...only('^dns\\.embedded$'))).report, 'dns.embedded').status).toBe('pass');
  });

  it('aardvark-dns answers name and name.dns.podman on the gateway; its pid, socket and file entry are the evidence', async () => {
    const { report } = await doctor(n.web, n.db, ...only('^dns\\.resolve-peer$'));
    const c = checkIn(report, 'dns.resolve-peer');
    expect(c.status, JSON.stringify(c)).toBe('pass');
    const gw = (await podman(engine, ['network', 'inspect', '-f', '{{(index .Subnets 0).Gateway}}', n.app])).stdout.trim();
    expect(c.evidence[0]).toMatch(new RegExp(`^${n.db} @${gw}: NOERROR ${dbIp} in `));
    expect(c.evidence[1]).toMatch(new RegExp(`^${n.db}\\.dns\\.podman @${gw}: NOERROR ${dbIp} in `));
    expect(c.evidence).toContainEqual(expect.stringMatching(new RegExp(`^aardvark-dns \\(1\\.\\d+\\.\\d+\\): pid \\d+ running, listening on ${gw.replace(/\./g, '\\.')}:53$`)));
    expect(c.evidence).toContain(`${AARDVARK_DIR}/${n.app}: ${n.db} -> ${dbIp}`);
  });

  it("db's entry gone from aardvark's file (the race of a parallel rm): dns.resolve-peer names the file, not the symptom; `podman network reload db` fixes", async () => {
    const file = `${AARDVARK_DIR}/${n.app}`;
    const kept = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, kept.split('\n').filter((l) => !l.includes(` ${n.db},`)).join('\n'));
    cleanup.add(async () => (fs.readFileSync(file, 'utf8').includes(` ${n.db},`) ? undefined : podmanLocal(['network', 'reload', n.db])));
    const { pid } = aardvarkUpstream();
    process.kill(pid, 'SIGHUP'); // what netavark does after each write
    await new Promise((r) => setTimeout(r, 500));
    const { exitCode, report } = await doctor(n.web, n.db, ...only('^dns\\.resolve-peer$'));
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'dns.resolve-peer');
    expect(c.summary).toBe(`${file} has no entry for ${n.db}: netavark did not write it (or a concurrent removal rewrote the file without it)`);
    expect(c.evidence).toContain(`${file}: no entry for ${n.db}`);
    expect(c.fix).toBe(`nsenter --net=/run/netns/${engine.netns} podman network reload ${n.db}`);
    await podmanLocal(['network', 'reload', n.db]);
    let after = checkIn((await doctor(n.web, n.db, ...only('^dns\\.resolve-peer$'))).report, 'dns.resolve-peer');
    // aardvark-dns 1.4 restarts every server on SIGHUP and was seen to come back deaf on a gateway, more so while other
    // suites make and remove containers on the same engine (and then stay deaf through more SIGHUPs): the doctor must
    // then name aardvark itself, with the entry present and its pid, never the file again
    for (let tries = 0; after.status !== 'pass' && tries < 2; tries++) {
      expect(after.summary, JSON.stringify(after)).toMatch(new RegExp(`^${file} lists ${n.db}, yet aardvark-dns \\(pid \\d+\\) does not answer it: `));
      expect(after.fix).toMatch(/^kill -HUP \d+$/);
      process.kill(Number(after.fix!.split(' ')[2]), 'SIGHUP');
      await new Promise((r) => setTimeout(r, 1000));
      after = checkIn((await doctor(n.web, n.db, ...only('^dns\\.resolve-peer$'))).report, 'dns.resolve-peer');
    }
    if (after.status !== 'pass') console.warn(`[podman] aardvark-dns stayed deaf on ${n.app} after SIGHUPs: named as such (${after.summary})`);
    expect(after.status === 'pass' || /^kill -HUP \d+$/.test(after.fix ?? ''), JSON.stringify(after)).toBe(true);
  });

  // read when aardvark-dns runs (the suite's containers started it), not when the file is collected
  it("S4: aardvark's upstream (this machine's resolver) dialled from the host namespace never answers: dns.upstream names it; with it answering, it passes; dropping port 53 fails it again", async (t) => {
    const { upstream } = aardvarkUpstream();
    // the machine's resolver, unreachable from the engine's namespace: a responder there stands in for it
    if (upstream === null || upstream.startsWith('127.')) return t.skip();
    const { exitCode, report } = await doctor(n.web, n.db, ...only('^dns\\.upstream$'));
    expect(exitCode).toBe(1);
    let c = checkIn(report, 'dns.upstream');
    expect(c.evidence[0]).toMatch(new RegExp(`^${upstream.replace(/\./g, '\\.')} \\(dialled from the host namespace\\): no answer in \\d+ ms$`));
    const { pid } = aardvarkUpstream();
    // aardvark re-reads its resolv.conf on SIGHUP; the container's own fallback servers come with a restart
    expect(c.fix).toBe(`sed -i -e '/^nameserver ${upstream.replace(/\./g, '\\.')}$/d' /etc/resolv.conf && kill -HUP ${pid} && podman restart ${n.web}`);
    // not run: it edits this machine's resolver; making the upstream answer is the other fix
    const up = await startUpstream(engine, `${runId}-up`, upstream);
    cleanup.add(() => up.remove());
    c = checkIn((await doctor(n.web, n.db, ...only('^dns\\.upstream$'))).report, 'dns.upstream');
    expect(c.status, JSON.stringify(c)).toBe('pass');
    expect(c.summary).toMatch(new RegExp(`^${upstream.replace(/\./g, '\\.')} answers in `));
    await up.dropQueries(true);
    c = checkIn((await doctor(n.web, n.db, ...only('^dns\\.upstream$'))).report, 'dns.upstream');
    expect(c.status).toBe('fail');
    expect(c.evidence[0]).toMatch(/\(dialled from the host namespace\): no answer in \d+ ms$/);
    await up.dropQueries(false);

    // S3: --internal: aardvark-dns 1.4 still forwards its outside names (1.11 stopped): said, and passing
    const i = checkIn((await doctor(n.iweb, n.idb, ...only('^dns\\.upstream$'))).report, 'dns.upstream');
    expect(i.status, JSON.stringify(i)).toBe('pass');
    expect(i.evidence).toContainEqual(expect.stringMatching(new RegExp(`^${n.int} is --internal, yet aardvark-dns 1\\.\\d+\\.\\d+ forwards outside names for it from the host namespace`)));
    await up.remove();
  }, 120_000);

  it("S6: FORWARD policy DROP: netavark's subnet ACCEPT keeps it passing; with NETAVARK_FORWARD flushed it fails with `podman network reload --all`; the fix works", async () => {
    await inEngineHost(engine, 'iptables', ['-w', '-P', 'FORWARD', 'DROP']);
    cleanup.add(() => inEngineHost(engine, 'iptables', ['-w', '-P', 'FORWARD', 'ACCEPT']));
    let c = checkIn((await doctor(n.web, n.db, '--port', String(PORT), ...only('^fw\\.forward-policy$'))).report, 'fw.forward-policy');
    expect(c.status, JSON.stringify(c)).toBe('pass');
    expect(c.summary).toMatch(/^FORWARD policy DROP, but podman\d+'s traffic is accepted by filter NETAVARK_FORWARD #\d+: -A NETAVARK_FORWARD -s [\d.]+\/\d+ -j ACCEPT$/);
    await inEngineHost(engine, 'iptables', ['-w', '-F', 'NETAVARK_FORWARD']);
    cleanup.add(() => podmanLocal(['network', 'reload', '--all']));
    const { exitCode, report } = await doctor(n.web, n.db, '--port', String(PORT), ...only('^(fw\\.forward-policy|reach\\.tcp)$'));
    expect(exitCode).toBe(1);
    c = checkIn(report, 'fw.forward-policy');
    expect(c.summary).toMatch(new RegExp(`^FORWARD policy DROP and nothing accepts podman\\d+'s traffic: ${n.web} -> ${n.db} is dropped by it$`));
    expect(c.fix).toBe(`nsenter --net=/run/netns/${engine.netns} podman network reload --all`);
    await podmanLocal(['network', 'reload', '--all']);
    const again = await doctor(n.web, n.db, '--port', String(PORT), ...only('^(fw\\.forward-policy|reach\\.tcp)$'));
    expect(failingIds(again.report)).toEqual([]);
    await inEngineHost(engine, 'iptables', ['-w', '-P', 'FORWARD', 'ACCEPT']);
  });

  it("S7: a DROP before netavark's accept is named with chain and position; deleting it fixes", async () => {
    const spec = ['FORWARD', '-d', `${dbIp}/32`, '-p', 'tcp', '--dport', String(PORT), '-j', 'DROP'];
    await inEngineHost(engine, 'iptables', ['-w', '-I', ...spec]);
    cleanup.add(() => inEngineHost(engine, 'iptables', ['-w', '-D', ...spec], { reject: false }));
    const checks = only('^(fw\\.rule-drop|reach\\.tcp|topology\\..*)$');
    const { exitCode, report } = await doctor(n.web, n.db, '--port', String(PORT), ...checks);
    expect(exitCode).toBe(1);
    expect(checkIn(report, 'reach.tcp')).toMatchObject({ status: 'skip', because: 'fw.rule-drop' });
    const c = checkIn(report, 'fw.rule-drop');
    expect(c.summary).toBe(`rule #1 of filter FORWARD drops ${n.web} -> ${n.db}: -A FORWARD -d ${dbIp}/32 -p tcp -m tcp --dport ${PORT} -j DROP`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} iptables -D FORWARD 1`);
    await runHostFix(engine, c.fix!);
    expect(failingIds((await doctor(n.web, n.db, '--port', String(PORT), ...checks)).report)).toEqual([]);
  });

  it('S12: a host process on the port pub publishes: podman cannot start pub; ports.conflict names the process, not conmon; the fix works', async () => {
    const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
    const holder = await holdHostPort(engine, hostPort);
    cleanup.add(() => holder.release());
    const refused = await runDetached(n.pub, ['--network', n.app, '-p', `${hostPort}:${PORT}`, ...httpd(String(PORT))], false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/address already in use/);
    const checks = only('^(ports\\.conflict|topology\\.exists)$');
    const { exitCode, report } = await doctor(n.web, n.pub, ...checks);
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'ports.conflict');
    expect(c.summary).toBe(`host port ${hostPort}/tcp that ${n.pub} asks to publish (so it cannot start) is taken: node (pid ${holder.pid}) listens on tcp 0.0.0.0:${hostPort}`);
    expect(c.fix).toBe(`kill ${holder.pid} && podman start ${n.pub}`);
    await holder.release();
    await podman(engine, c.fix!.split(' && ')[1]!.split(' ').slice(1));
    // conmon now holds the port for pub: the publication itself, no conflict
    const ok = checkIn((await doctor(n.web, n.pub, ...checks)).report, 'ports.conflict');
    expect(ok.status, JSON.stringify(ok)).toBe('pass');
    expect(ok.evidence).toContain(`${n.pub} publishes 0.0.0.0:${hostPort}->${PORT}/tcp: nothing else listens there`);
  });

  it('S5: far behind a router namespace over a 1400-byte veth, frag-needed dropped: path.mtu names the path MTU with the fix (and podman network create -o mtu=); the fix works; healed, it passes', async () => {
    const site = await mtuRouterSite(engine, n.app, n.far, [n.web], `${runId}-mtur`);
    cleanup.add(() => takeFromMtuRouter(site));
    await putBehindMtuRouter(site);
    const checks = only('^(reach\\.icmp|path\\.mtu)$');
    const { exitCode, report } = await doctor(n.web, n.far, ...checks);
    expect(exitCode).toBe(1);
    expect(checkIn(report, 'reach.icmp').status).toBe('pass');
    const c = checkIn(report, 'path.mtu');
    expect(c.summary, JSON.stringify(c.evidence)).toBe(`packets over 1400 bytes do not reach ${n.far}: ${n.web} sends up to 1500`);
    expect(c.evidence).toContain('no ICMP "fragmentation needed" came back: path MTU discovery is blackholed, large packets (big responses, TLS handshakes) vanish');
    expect(c.evidence).toContain(`to keep it: recreate network ${n.app} with podman network create -o mtu=1400 ...`);
    const webPid = (await podman(engine, ['inspect', '-f', '{{.State.Pid}}', n.web])).stdout.trim();
    expect(c.fix).toBe(`nsenter --net=/proc/${webPid}/ns/net ip link set dev eth0 mtu 1400`);
    // the fix, as printed (checked above to enter web's namespace only)
    const [cmd, ...args] = c.fix!.split(' ');
    await run(cmd!, args);
    expect(checkIn((await doctor(n.web, n.far, ...checks)).report, 'path.mtu').status).toBe('pass');
    await run('ip', ['link', 'set', 'dev', 'eth0', 'mtu', '1500'], { netnsPath: `/proc/${webPid}/ns/net` });
    await takeFromMtuRouter(site);
    const healed = checkIn((await doctor(n.web, n.far, ...checks)).report, 'path.mtu');
    expect(healed.status, JSON.stringify(healed)).toBe('pass');
  });

  it('--bundle on Podman: netavark rules, aardvark files and the versions of podman, netavark and aardvark-dns; --from-bundle judges it to the same verdicts', async () => {
    const file = path.join(cli.stateDir, 'podman.tar.gz');
    const res = await cli.run(['doctor', n.web, n.db, '--backend', 'podman', '--port', String(PORT), '--check', '!^dns\\.upstream$', '--json', '--bundle', file]);
    expect(res.stderr).toContain(`bundle written to ${file}`);
    const live = JSON.parse(res.stdout) as DoctorJson;
    const files = readTarGz(fs.readFileSync(file));
    const text = (name: string) => files.get(name)?.toString('utf8') ?? '';
    expect(text('host/iptables-nft-save.txt')).toMatch(/^(\[\d+:\d+\] )?-A NETAVARK_FORWARD /m);
    expect(text(`aardvark-dns/${n.app}`)).toContain(` ${dbIp}  ${n.db},`);
    expect([...files.keys()].filter((f) => f.startsWith('aardvark-dns/')).sort()).toEqual([`aardvark-dns/${n.app}`, 'aardvark-dns/aardvark.pid'].sort());
    expect(JSON.parse(text('versions.json')).engine).toMatchObject({ name: 'podman', version: expect.stringMatching(/^4\./), netavark: expect.stringMatching(/^netavark \d/), aardvark: expect.stringMatching(/^aardvark-dns \d/) });
    expect(text(`containers/${n.web}/resolv.conf`)).toMatch(/^search dns\.podman$/m);
    const again = await execa(process.execPath, [path.resolve(import.meta.dirname, '../../dist/bundle/main.cjs'), 'doctor', '--from-bundle', file, '--json'], { reject: false });
    const shape = (r: DoctorJson) => r.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary, evidence: c.evidence, fix: c.fix }));
    expect(shape(JSON.parse(String(again.stdout)) as DoctorJson)).toEqual(shape(live));
  });
});

/** S5's site on a Podman network: PEER's veth (found by its peer index) on the network's bridge in the engine's namespace. */
async function mtuRouterSite(e: PodmanEngine, network: string, peer: string, others: string[], router: string): Promise<MtuRouterSite> {
  const inspect = async (name: string, format: string) => (await podman(e, ['inspect', '-f', format, name])).stdout.trim();
  const [bridge, subnet] = (await podman(e, ['network', 'inspect', '-f', '{{.NetworkInterface}} {{(index .Subnets 0).Subnet}}', network])).stdout.trim().split(' ');
  const peerNetns = await inspect(peer, '{{.NetworkSettings.SandboxKey}}');
  // eth0@ifN: N is the host end's index in the engine's namespace
  const eth0 = (await run('ip', ['-o', 'link', 'show', 'dev', 'eth0'], { netnsPath: peerNetns })).stdout;
  const index = /eth0@if(\d+):/.exec(eth0)?.[1];
  const hostIf = (await run('ip', ['-o', 'link', 'show'], { netns: e.netns })).stdout.split('\n')
    .map((l) => /^(\d+): ([^@:]+)/.exec(l)).find((m) => m?.[1] === index)?.[2];
  if (!bridge || !subnet || !hostIf) throw new Error(`no bridge, subnet or host veth for ${peer} on ${network}: ${eth0}`);
  return {
    hostNetns: e.netns, router, bridge, bridgeMtu: 1500, subnet, hostIf,
    peerIpv4: await inspect(peer, `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`),
    neighbourTables: [peerNetns, ...(await Promise.all(others.map((o) => inspect(o, '{{.NetworkSettings.SandboxKey}}'))))],
  };
}
