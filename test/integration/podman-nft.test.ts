import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { uniqueRunId } from '../helpers/docker.js';
import { EngineCli, checkIn, failingIds } from '../helpers/docker-cli.js';
import { PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, describeWithPodman, podman, removePodmanRunObjects, type PodmanEngine } from '../helpers/podman.js';

/**
 * netavark's nftables driver (table inet netavark) on a second Podman 4.3 of
 * its own, brought up here with `scripts/podman-engine --netavark nftables`
 * (Debian 13's netavark 1.14; the shared engine is never touched) and taken
 * down afterwards when this suite started it: a healthy pair passes the
 * doctor, a deleted rule of netavark's table is named with the nft command
 * that puts it back, and a drop rule in it is named by fw.rule-drop through nftrace.
 */
const ENGINE = ['scripts/podman-engine', '--netavark', 'nftables'];
const PORT = 5432;
const HOST_PORT = 18433;
/** the engine's namespace has no way out, and its networks have no DNS (scripts/podman-engine: shared aardvark-dns state) */
const WITHOUT_DNS = ['--check', '!^dns\\.'];
const nft = (netns: string, args: string[]) => run('nft', args, { netns });

describeWithPodman('netavark nftables driver on a second Podman', () => {
  const runId = uniqueRunId();
  const n = { net: `${runId}-nnet`, web: `${runId}-nweb`, db: `${runId}-ndb` };
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  let engine: PodmanEngine = { host: '', netns: '' };
  let startedHere = false;
  let cli: EngineCli | null = null;
  const ip: Record<string, string> = {};

  const runDetached = (name: string, args: string[]) => podman(engine, ['run', '-d', '--name', name, ...label, ...ULIMITS, ...args]);
  const doctor = () => cli!.doctor(n.web, n.db, 'podman', ...WITHOUT_DNS);
  /** the handle of the first rule of CHAIN in netavark's table that RULE (as listed) equals */
  async function handleOf(chain: string, rule: string): Promise<string> {
    const listing = (await nft(engine.netns, ['-a', 'list', 'chain', 'inet', 'netavark', chain])).stdout;
    const line = listing.split('\n').map((l) => l.trim()).find((l) => l.startsWith(`${rule} # handle `));
    if (!line) throw new Error(`no rule "${rule}" in inet netavark ${chain}:\n${listing}`);
    return line.slice(`${rule} # handle `.length);
  }

  beforeAll(async () => {
    startedHere = (await run('bash', [...ENGINE, 'status'], { reject: false })).exitCode !== 0;
    const up = await run('bash', [...ENGINE, 'up'], { reject: false, timeoutMs: 300_000 });
    if (up.exitCode !== 0) throw new Error(`${ENGINE.join(' ')} up failed: ${up.stderr}`);
    const env = Object.fromEntries((await run('bash', [...ENGINE, 'env'])).stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
    engine = { host: env.TSDIAG_PODMAN_NFT_HOST!, netns: env.TSDIAG_PODMAN_NFT_NETNS! };
    cli = new EngineCli(engine, 'CONTAINER_HOST');
    try {
      await podman(engine, ['network', 'create', ...label, '--disable-dns', n.net]);
      await runDetached(n.db, ['--network', n.net, '-p', `${HOST_PORT}:${PORT}`, PODMAN_IMAGE, 'httpd', '-f', '-p', String(PORT)]);
      await runDetached(n.web, ['--network', n.net, PODMAN_IMAGE, 'sleep', '3600']);
      for (const name of [n.web, n.db]) {
        ip[name] = (await podman(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.net}").IPAddress}}`, name])).stdout.trim();
      }
    } catch (err) {
      await removePodmanRunObjects(engine, runId);
      throw err;
    }
  }, 360_000);

  afterAll(async () => {
    try {
      if (engine.host) await removePodmanRunObjects(engine, runId);
    } finally {
      cli?.dispose();
      if (startedHere) await run('bash', [...ENGINE, 'down'], { reject: false, timeoutMs: 120_000 });
    }
  }, 180_000);

  it('netavark writes table inet netavark and no NETAVARK iptables chain', async () => {
    expect((await nft(engine.netns, ['list', 'tables'])).stdout).toContain('table inet netavark');
    expect((await run('iptables-save', [], { netns: engine.netns })).stdout).not.toContain('NETAVARK');
  });

  it("healthy pair: no check fails or warns; fw.chains-intact finds netavark's nft rules, the published port's DNAT too", async () => {
    const { exitCode, report } = await doctor();
    expect(failingIds(report), JSON.stringify(report.checks.filter((c) => c.status === 'fail' || c.status === 'warn'), null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
    const c = checkIn(report, 'fw.chains-intact');
    expect(c.summary).toBe('all 7 rules the networks need are present');
    expect(c.evidence).toContainEqual(`present: published port ${HOST_PORT}/tcp -> ${n.db} ${ip[n.db]}:${PORT} (DNAT)`);
    expect(c.evidence).toContainEqual(expect.stringMatching(new RegExp(`^present: outbound NAT \\(masquerade\\) for ${n.net} `)));
  });

  it('a deleted FORWARD accept of netavark\'s table: fw.chains-intact names it with the nft command; that fix works', async () => {
    const subnet = (await podman(engine, ['network', 'inspect', '-f', '{{range .Subnets}}{{.Subnet}}{{end}}', n.net])).stdout.trim();
    const rule = `ip saddr ${subnet} accept`;
    await nft(engine.netns, ['delete', 'rule', 'inet', 'netavark', 'FORWARD', 'handle', await handleOf('FORWARD', rule)]);
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    expect(failingIds(report)).toEqual(['fw.chains-intact']);
    const c = checkIn(report, 'fw.chains-intact');
    expect(c.summary).toBe(`1 of 7 rules the networks need are missing: traffic from ${n.net} ${subnet} accepted`);
    expect(c.evidence).toContainEqual(`missing: inet netavark FORWARD ${rule}  (traffic from ${n.net} ${subnet} accepted)`);
    expect(c.fix).toBe(`ip netns exec ${engine.netns} nft 'add rule inet netavark FORWARD ${rule}'`);
    await nft(engine.netns, ['add', 'rule', 'inet', 'netavark', 'FORWARD', ...rule.split(' ')]);
    expect(failingIds((await doctor()).report)).toEqual([]);
  });

  it('a drop rule in netavark\'s FORWARD: fw.rule-drop names it through nftrace, with its delete command', async () => {
    const drop = `ip daddr ${ip[n.db]} tcp dport ${PORT} drop`;
    await nft(engine.netns, ['insert', 'rule', 'inet', 'netavark', 'FORWARD', ...drop.split(' ')]);
    const handle = await handleOf('FORWARD', drop);
    try {
      const { exitCode, report } = await doctor();
      expect(exitCode).toBe(1);
      expect(failingIds(report)).toEqual(['fw.rule-drop']);
      const c = checkIn(report, 'fw.rule-drop');
      expect(c.summary).toBe(`rule handle ${handle} of inet netavark FORWARD drops ${n.web} -> ${n.db}: ${drop}`);
      expect(c.evidence).toContainEqual(`inet netavark FORWARD handle ${handle}: ${drop}  [named by nftrace]`);
      expect(c.fix).toBe(`ip netns exec ${engine.netns} nft delete rule inet netavark FORWARD handle ${handle}`);
    } finally {
      await nft(engine.netns, ['delete', 'rule', 'inet', 'netavark', 'FORWARD', 'handle', handle]);
    }
  });
});
