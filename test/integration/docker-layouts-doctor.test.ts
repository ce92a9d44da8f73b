import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainsFacts, fwChainsIntact } from '../../src/diag/checks/firewall/chains-intact.js';
import { HostReader } from '../../src/diag/host-reader.js';
import { Memo } from '../../src/diag/memo.js';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli, checkIn } from '../helpers/docker-cli.js';
import { inEngineHost, runHostFix } from '../helpers/docker-faults.js';
import { loadRuleset, rulesetFixtures } from '../helpers/docker-rulesets.js';
import { TestSandbox, tcpEchoServer, waitFor } from '../helpers/sandbox.js';
import type { DoctorJson } from '../helpers/lab.js';

/**
 * fw.chains-intact and fw.forward-policy on today's Docker layouts. Docker 28
 * and 29 run nowhere here, so their rulesets (fixtures/docker-rulesets) are
 * loaded into a sandbox host built by hand with tsdiag's CLI, read back with
 * the readers the check's gather uses, and judged; a required jump or map
 * element is deleted for real, the printed fix run for real. The real 20.10
 * and 26 engines get the whole doctor.
 */

/** A printed command's words: spaces split, single quotes group (the nft fixes quote their argument). */
const words = (cmd: string) => [...cmd.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

async function runFixIn(netns: string, fix: string): Promise<void> {
  for (const cmd of fix.split(' && ')) {
    const argv = words(cmd);
    expect(argv.slice(0, 4)).toEqual(['ip', 'netns', 'exec', netns]); // never the machine's own namespace
    await execa(argv[0]!, argv.slice(1));
  }
}

describe('Docker 28 and 29 layouts loaded into a sandbox host', () => {
  let sb: TestSandbox;
  const fixtures = rulesetFixtures().filter((f) => ['28', '29'].includes(f.version) && f.scenario === 'usernet-portmap');

  beforeAll(async () => {
    sb = await TestSandbox.create('lay');
    // a subnet none of the fixtures' topology uses: their raw direct-access drop of 172.18.0.2 would hit a container of ours
    await sb.ok(['network', 'create', '--subnet', '10.231.7.0/24', 'app']);
    await sb.ok(['run', '-d', '--name', 'db', '--network', 'app', '--', ...tcpEchoServer(5432, 'db')]);
    await sb.ok(['run', '-d', '--name', 'web', '--network', 'app', '--', 'sleep', 'infinity']);
    await waitFor(async () => (await sb.inNetns(sb.containerNetns('db'), ['ss', '-ltn'])).stdout.includes(':5432'));
  }, 60_000);
  afterAll(async () => sb?.dispose());

  /** fw.chains-intact's facts as its gather reads them: iptables-nft-save and `nft list ruleset` of the host, a fresh run each time. */
  async function judgeLive() {
    const host = new HostReader(sb.name, new Memo(), () => {
      throw new Error('no probe needed');
    });
    const [rules, nft] = await Promise.all([host.iptables('nft'), host.nftRulesetText()]);
    const facts = chainsFacts({ backend: 'docker', hostNetns: sb.name }, [], rules, nft, []);
    return { facts, verdict: fwChainsIntact.judge(facts) };
  }

  const breakers: Record<string, { cmd: string[]; names: RegExp }> = {
    '28': { cmd: ['iptables', '-D', 'DOCKER-FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1'], names: /DOCKER-FORWARD -> DOCKER-ISOLATION-STAGE-1/ },
    '29-iptables': { cmd: ['iptables', '-D', 'FORWARD', '-j', 'DOCKER-USER'], names: /FORWARD -> DOCKER-USER/ },
    '29-nftables': {
      cmd: ['nft', 'delete', 'element', 'ip', 'docker-bridges', 'filter-forward-in-jumps', '{ "br-5e1f0c2a9d34" }'],
      names: /filter-forward-in-jumps sends forwarded traffic into br-5e1f0c2a9d34/,
    },
  };

  for (const f of fixtures) {
    it(`${f.version}/${f.scenario}.${f.format}: ${f.layout} read live; a deleted requirement is named, its fix works`, async () => {
      const unload = await loadRuleset(sb.name, f);
      try {
        const healthy = await judgeLive();
        expect(healthy.facts.docker?.layout).toBe(f.layout);
        expect(healthy.verdict.status, healthy.verdict.evidence.join('\n')).toBe('pass');

        const b = breakers[f.layout]!;
        await execa('ip', ['netns', 'exec', sb.name, ...b.cmd]);
        const broken = await judgeLive();
        expect(broken.verdict.status).toBe('fail');
        expect(broken.verdict.summary).toMatch(b.names);
        expect(broken.verdict.fix).toBeTruthy();
        await runFixIn(sb.name, broken.verdict.fix!);
        const fixed = await judgeLive();
        expect(fixed.verdict.status, `${broken.verdict.fix} -> ${fixed.verdict.summary}`).toBe('pass');
      } finally {
        await unload();
        // the iptables fixtures replace tsdiag's own tables: put its rules back
        await sb.ok(['system', 'reconcile']);
      }
    }, 60_000);
  }

  it("Docker 29's nftables filter-FORWARD (policy drop) drops tsdiag's bridge: fw.forward-policy names the chain; its fix works", async () => {
    const doctor = async (): Promise<DoctorJson> => {
      const res = await sb.cli(['doctor', 'web', 'db', '--port', '5432', '--json', '--check', '^(?!dns\\.upstream$)']);
      if (res.exitCode === 2) throw new Error(res.stderr);
      return JSON.parse(res.stdout);
    };
    const check = (r: DoctorJson, id: string) => r.checks.find((c) => c.id === id)!;
    const bridge = Object.values((await sb.state()).networks).find((n: any) => n.name === 'app').device as string;
    const unload = await loadRuleset(sb.name, rulesetFixtures().find((f) => f.version === '29' && f.format === 'nft' && f.scenario === 'usernet-portmap')!);
    try {
      const report = await doctor();
      const c = check(report, 'fw.forward-policy');
      expect(c.status, JSON.stringify(c, null, 1)).toBe('fail');
      expect(c.summary).toBe(`nft chain ip docker-bridges filter-FORWARD has policy drop and nothing in it accepts ${bridge}'s traffic: web -> db is dropped by it`);
      expect(c.fix).toBe(`ip netns exec ${sb.name} nft 'insert rule ip docker-bridges filter-FORWARD iifname "${bridge}" oifname "${bridge}" accept'`);
      await runFixIn(sb.name, c.fix!);
      const after = await doctor();
      expect(check(after, 'fw.forward-policy').status).toBe('pass');
      expect(check(after, 'reach.tcp').status, JSON.stringify(after.checks.filter((x) => x.status !== 'pass' && x.status !== 'skip'), null, 1)).toBe('pass');
    } finally {
      await unload();
    }
  }, 60_000);
});

describeWithEngine('fw.chains-intact on a real engine: a deleted Docker jump is named and its fix works', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  const net = `${runId}-app`;
  const cli = new EngineCli(engine);
  const ipt = (...args: string[]) => inEngineHost(engine, 'iptables', ['-w', ...args], { reject: false });
  /** The global FORWARD jumps of Docker 20.10-27, in their places. */
  const JUMPS = [['1', 'DOCKER-USER'], ['2', 'DOCKER-ISOLATION-STAGE-1']] as const;

  beforeAll(async () => {
    try {
      await docker(engine, ['network', 'create', ...label, net]);
      await docker(engine, ['run', '-d', '--name', `${runId}-db`, '--network', net, ...label, TEST_IMAGE, 'httpd', '-f', '-p', '5432']);
      await docker(engine, ['run', '-d', '--name', `${runId}-web`, '--network', net, ...label, TEST_IMAGE, 'sleep', '3600']);
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  }, 120_000);

  // whatever a test deleted goes back, in Docker's order, also when it failed
  afterEach(async () => {
    for (const [at, chain] of JUMPS) {
      if ((await ipt('-C', 'FORWARD', '-j', chain)).exitCode !== 0) await ipt('-I', 'FORWARD', at, '-j', chain);
    }
  });

  afterAll(async () => {
    await removeRunObjects(engine, runId);
    cli.dispose();
  });

  const chainsIntact = async () => checkIn((await cli.doctor(`${runId}-web`, `${runId}-db`, 'docker', '--check', '^fw\\.chains-intact$')).report, 'fw.chains-intact');

  it('healthy: the 20.10-27 layout is recognised with everything present', async () => {
    const c = await chainsIntact();
    expect(c.status, c.evidence.join('\n')).toBe('pass');
    expect(c.summary).toMatch(/^Docker 20\.10-27 layout: all \d+ rules the networks need are present$/);
  });

  for (const [at, chain] of JUMPS) {
    it(`FORWARD -> ${chain} deleted: named with its purpose and fix; the fix run makes it pass`, async () => {
      expect((await ipt('-D', 'FORWARD', '-j', chain)).exitCode).toBe(0);
      const c = await chainsIntact();
      expect(c.status).toBe('fail');
      expect(c.summary).toMatch(new RegExp(`^Docker 20\\.10-27 layout: 1 of \\d+ rules the networks need are missing: FORWARD -> ${chain}: `));
      expect(c.evidence[0]).toMatch(new RegExp(`^missing: -A FORWARD -j ${chain} {2}\\(FORWARD -> ${chain}: `));
      expect(c.fix).toBe(`ip netns exec ${engine.netns} iptables -I FORWARD ${at} -j ${chain}`);
      await runHostFix(engine, c.fix!);
      const after = await chainsIntact();
      expect(after.status, after.evidence.join('\n')).toBe('pass');
    }, 60_000);
  }
});
