import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId } from '../helpers/docker.js';
import { EngineCli, checkIn, failingIds } from '../helpers/docker-cli.js';
import { Cleanup, deleteRuleUntilCleanup, inEngineHost, runHostFix } from '../helpers/docker-faults.js';
import { ip6DropNamedAndFixed } from '../helpers/ipv6-faults.js';

/**
 * The doctor on a Docker 26 `--ipv6` network, the engine running with
 * `--experimental --ip6tables` (scripts/docker-engine; Docker 27+'s default):
 * the inventory carries the containers' GlobalIPv6Address and the network's
 * IPv6 subnet, the pair is reached over both families, and Docker's ip6tables
 * layout is checked beside its iptables one. Each IPv6-only fault is put in
 * ip6tables of the engine's namespace (scoped to this suite's bridge and
 * addresses), named with its family, fixed with the command the doctor
 * prints, and checked again.
 */
describeWithEngine('doctor on a dual-stack Docker network (ip6tables on)', (engine) => {
  const runId = `fv6${uniqueRunId()}`;
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const subnet6 = `fd00:76:${Math.floor(Math.random() * 0xffff).toString(16)}::/64`;
  const PORT = 5432;
  const HOST_PORT = 20000 + Math.floor(Math.random() * 10000);
  const cli = new EngineCli(engine);
  const cleanup = new Cleanup();
  let bridge = '';
  const v6: Record<string, string> = {};

  const doctor = () => cli.doctor(n.web, n.db, 'docker', '--port', String(PORT), '--check', '!^dns\\.upstream$');
  const ip6tables = (args: string[], reject = true) => inEngineHost(engine, 'ip6tables', ['-w', ...args], { reject });
  /** The healthy report: nothing fails or warns. */
  async function expectHealthy() {
    const { exitCode, report } = await doctor();
    expect(failingIds(report), JSON.stringify(report.checks.filter((c) => c.status === 'fail' || c.status === 'warn'), null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
    return report;
  }

  beforeAll(async () => {
    await docker(engine, ['network', 'create', ...label, '--ipv6', '--subnet', subnet6, n.app]);
    await docker(engine, ['run', '-d', '--name', n.db, ...label, '--network', n.app, '-p', `${HOST_PORT}:${PORT}`, TEST_IMAGE, 'httpd', '-f', '-p', String(PORT)]);
    await docker(engine, ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600']);
    bridge = `br-${(await docker(engine, ['network', 'inspect', '-f', '{{.Id}}', n.app])).stdout.trim().slice(0, 12)}`;
    for (const name of [n.web, n.db]) {
      v6[name] = (await docker(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.app}").GlobalIPv6Address}}`, name])).stdout.trim();
    }
  }, 60_000);
  afterEach(() => cleanup.runAll());
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  it('healthy: reached over IPv4 and IPv6, and Docker\'s ip6tables layout found whole (the IPv6 DNAT of the published port too)', async () => {
    const report = await expectHealthy();
    expect(v6[n.db]!.startsWith(subnet6.replace('::/64', '::'))).toBe(true);
    expect(checkIn(report, 'reach.icmp').summary).toMatch(/over IPv4 and IPv6/);
    expect(checkIn(report, 'reach.tcp').summary).toContain(`[${v6[n.db]}]:${PORT}`);
    expect(checkIn(report, 'dns.resolve-peer').summary).toContain(`${v6[n.db]} (A and AAAA)`);
    expect(checkIn(report, 'addr.missing').summary).toContain(v6[n.db]);
    const c = checkIn(report, 'fw.chains-intact');
    expect(c.summary).toMatch(/^Docker 20\.10-27 layout \(iptables and ip6tables\): all \d+ rules the networks need are present$/);
    expect(c.evidence).toEqual(expect.arrayContaining([
      `present: FORWARD -> DOCKER for ${bridge}: published ports and the network's own rules (ip6tables)`,
      `present: outbound NAT (MASQUERADE) for ${n.app} ${subnet6} (ip6tables)`,
      `present: published port ${HOST_PORT}/tcp -> ${n.db} [${v6[n.db]}]:${PORT} (DNAT) (ip6tables)`,
    ]));
    expect(checkIn(report, 'fw.forward-policy').summary).toContain(`ip6tables FORWARD policy DROP, but ${bridge}'s IPv6 traffic is accepted by ip6tables filter FORWARD`);
  });

  it('the bridge\'s ip6tables jump to DOCKER deleted: fw.chains-intact names it (ip6tables) and puts it back where Docker had it', async () => {
    const jump = ['FORWARD', '-o', bridge, '-j', 'DOCKER'];
    await deleteRuleUntilCleanup(engine, cleanup, 'ip6tables', jump);
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    expect(failingIds(report)).toEqual(['fw.chains-intact']);
    const c = checkIn(report, 'fw.chains-intact');
    const purpose = `FORWARD -> DOCKER for ${bridge}: published ports and the network's own rules (ip6tables)`;
    expect(c.summary).toMatch(new RegExp(`^Docker 20\\.10-27 layout \\(iptables and ip6tables\\): 1 of \\d+ rules the networks need are missing: ${purpose.replace(/[()>.]/g, '\\$&')}$`));
    expect(c.evidence[0]).toBe(`missing: ip6tables -A FORWARD -o ${bridge} -j DOCKER  (${purpose})`);
    expect(c.fix).toMatch(new RegExp(`^ip netns exec ${engine.netns} ip6tables -I FORWARD \\d+ -o ${bridge} -j DOCKER$`));
    await runHostFix(engine, c.fix!);
    // Docker's own place: right after the bridge's conntrack accept
    const forward = (await ip6tables(['-S', 'FORWARD'])).stdout.split('\n');
    expect(forward[forward.indexOf(`-A FORWARD -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`) + 1]).toBe(`-A FORWARD -o ${bridge} -j DOCKER`);
    await expectHealthy();
  });

  it('an ip6tables DROP in DOCKER-USER for the pair\'s IPv6 addresses: fw.rule-drop says IPv4 answers, names the ip6tables rule, deletes it', async () => {
    await ip6DropNamedAndFixed(engine, cleanup, 'DOCKER-USER', { web: n.web, db: n.db, web6: v6[n.web]!, db6: v6[n.db]! }, doctor);
    await expectHealthy();
  });

  it('the bridge\'s own ip6tables accept deleted: ip6tables\' FORWARD policy DROP takes web -> db over IPv6; fw.forward-policy names it, its accept fixes', async () => {
    const accept = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
    await ip6tables(['-D', ...accept]);
    // Docker's place for it is the end of the bridge's rules; the fix inserts it at the top: put back as Docker had it
    cleanup.add(async () => {
      while ((await ip6tables(['-D', ...accept], false)).exitCode === 0);
      await ip6tables(['-A', ...accept]);
    });
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    // as over IPv4: the policy is fw.forward-policy's, and br_netfilter hands the bridged packets to it (kernel.br-netfilter)
    expect(failingIds(report)).toEqual(['fw.forward-policy', 'kernel.br-netfilter']);
    const c = checkIn(report, 'fw.forward-policy');
    expect(c.summary).toBe(`ip6tables FORWARD policy DROP and nothing accepts ${bridge}'s IPv6 traffic: ${n.web} -> ${n.db} over IPv6 is dropped by it`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} ip6tables -I FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
    expect(checkIn(report, 'kernel.br-netfilter')).toMatchObject({ status: 'fail', fix: c.fix });
    expect(checkIn(report, 'fw.rule-drop').status).not.toBe('fail');
    await runHostFix(engine, c.fix!);
    await expectHealthy();
  });

  it('an ip6tables-legacy DROP beside ip6tables-nft: fw.backend names it over IPv6, out of sight of iptables-nft; ip6tables-legacy -D fixes', async () => {
    const spec = ['FORWARD', '-s', `${v6[n.web]}/128`, '-d', `${v6[n.db]}/128`, '-j', 'DROP'];
    await inEngineHost(engine, 'ip6tables-legacy', ['-w', '-I', ...spec]);
    cleanup.add(() => inEngineHost(engine, 'ip6tables-legacy', ['-w', '-D', ...spec], { reject: false }));
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = checkIn(report, 'fw.backend');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`ip6tables-legacy drops ${n.web} -> ${n.db} over IPv6, out of sight of iptables-nft that tsdiag reads: `
      + `filter FORWARD #1: -A FORWARD -s ${v6[n.web]}/128 -d ${v6[n.db]}/128 -j DROP`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} ip6tables-legacy -D FORWARD 1`);
    await runHostFix(engine, c.fix!);
    await expectHealthy();
  });
}, ['26']);
