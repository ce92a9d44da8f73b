import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { TestSandbox } from '../helpers/sandbox.js';
import { describeWithEngine, docker, removeRunObjects, TEST_IMAGE, TEST_RUN_LABEL, uniqueRunId, type DockerEngine } from '../helpers/docker.js';

interface DigAnswer {
  status: string;
  /** answers with container addresses replaced by container names, sorted */
  answers: string[];
}

/** dig's status and answer records, with each address written as the container it belongs to. */
function parseDig(out: string, nameOf: Map<string, string>): DigAnswer {
  const status = /status: (\w+)/.exec(out)?.[1] ?? 'NO-REPLY';
  const answers = out.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => {
    const f = l.split(/\s+/);
    const [type, data] = [f[3]!, f.slice(4).join(' ')];
    return `${type} ${type === 'A' ? (nameOf.get(data) ?? data) : data}`;
  });
  return { status, answers: answers.sort() };
}

/**
 * The same topology on Docker and on tsdiag, the same questions from `web`,
 * the same rcodes and answer sets: Docker's embedded resolver (127.0.0.11 in
 * the container) is the reference. Names are the same on both sides; addresses
 * differ, so answers are compared as container names.
 */
describeWithEngine('dns: tsdiag answers as Docker\'s embedded resolver does', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, back: `${runId}-back`, web: `${runId}-web`, db: `${runId}-db`, cache: `${runId}-cache`, other: `${runId}-other`, alias: `${runId}-store` };
  let sb: TestSandbox;
  const side = {
    docker: { nameOf: new Map<string, string>(), ids: new Map<string, string>(), pid: 0, gateway: '' },
    tsdiag: { nameOf: new Map<string, string>(), ids: new Map<string, string>(), netns: '', gateway: '' },
  };

  beforeAll(async () => {
    const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
    await docker(engine, ['network', 'create', ...label, n.app]);
    await docker(engine, ['network', 'create', ...label, n.back]);
    const runIn = (name: string, net: string, extra: string[] = []) =>
      docker(engine, ['run', '-d', ...label, '--name', name, '--network', net, ...extra, TEST_IMAGE, 'sleep', '3600']);
    await runIn(n.web, n.app);
    await runIn(n.db, n.app, ['--network-alias', n.alias]);
    await runIn(n.cache, n.app, ['--network-alias', n.alias]);
    await runIn(n.other, n.back);
    await docker(engine, ['network', 'connect', n.back, n.db]);
    for (const c of [n.web, n.db, n.cache, n.other]) {
      const info = JSON.parse((await docker(engine, ['inspect', c])).stdout)[0];
      side.docker.ids.set(c, info.Id.slice(0, 12));
      for (const net of Object.values(info.NetworkSettings.Networks) as Array<{ IPAddress: string }>) side.docker.nameOf.set(net.IPAddress, c);
      if (c === n.web) side.docker.pid = info.State.Pid;
    }

    sb = await TestSandbox.create('ddiff');
    await sb.ok(['network', 'create', n.app]);
    await sb.ok(['network', 'create', n.back]);
    await sb.ok(['run', '--name', n.web, '--network', n.app]);
    await sb.ok(['run', '--name', n.db, '--network', n.app, '--network-alias', n.alias]);
    await sb.ok(['run', '--name', n.cache, '--network', n.app, '--network-alias', n.alias]);
    await sb.ok(['run', '--name', n.other, '--network', n.back]);
    await sb.ok(['network', 'connect', n.back, n.db]);
    const state = await sb.state();
    for (const c of Object.values(state.containers) as any[]) {
      side.tsdiag.ids.set(c.name, c.id.slice(0, 12));
      for (const e of c.endpoints) side.tsdiag.nameOf.set(e.ipv4, c.name);
    }
    side.tsdiag.netns = sb.containerNetns(n.web);
    side.tsdiag.gateway = state.networks[n.app].gateway;
  });

  afterAll(async () => {
    await removeRunObjects(engine, runId);
    await sb?.dispose();
  });

  async function askDocker(args: string[]): Promise<DigAnswer> {
    const res = await run('dig', ['+time=2', '+tries=1', '@127.0.0.11', ...args], { netnsPath: `/proc/${side.docker.pid}/ns/net`, reject: false });
    return parseDig(res.stdout, side.docker.nameOf);
  }
  async function askTsdiag(args: string[]): Promise<DigAnswer> {
    const res = await run('dig', ['+time=2', '+tries=1', `@${side.tsdiag.gateway}`, ...args], { netns: side.tsdiag.netns, reject: false });
    return parseDig(res.stdout, side.tsdiag.nameOf);
  }
  const addrOf = (which: 'docker' | 'tsdiag', name: string) => [...side[which].nameOf.entries()].find(([, c]) => c === name)![0];

  /** [what, the question, does Docker answer it from its container table] */
  const cases: Array<[string, (s: 'docker' | 'tsdiag') => string[], boolean]> = [
    ['a container name', () => [n.db], true],
    ['a name in capitals with a trailing dot', () => [`${n.db.toUpperCase()}.`], true],
    ['name.network', () => [`${n.db}.${n.app}`], true],
    ['an alias shared by two containers: both addresses', () => [n.alias], true],
    ['AAAA of a container without IPv6: NOERROR, empty', () => [n.db, 'AAAA'], true],
    ['MX of a container: NOERROR, empty', () => [n.db, 'MX'], true],
    ['the short id', (s) => [side[s].ids.get(n.db)!], true],
    ['a container on another network only', () => [n.other], false],
  ];

  it.each(cases)('%s', async (_what, argsFor, fromTable) => {
    const [d, t] = await Promise.all([askDocker(argsFor('docker')), askTsdiag(argsFor('tsdiag'))]);
    if (fromTable) {
      expect(d.status).toBe('NOERROR');
      expect(t).toEqual(d);
    } else {
      // not in the querier's scope: both pass it upstream, and the upstreams of the two test hosts differ
      expect(d.answers.filter((a) => a.startsWith('A '))).toEqual([]);
      expect(t.answers.filter((a) => a.startsWith('A '))).toEqual([]);
    }
  });

  it('the questions above really got container answers from Docker', async () => {
    expect((await askDocker([n.db])).answers).toEqual([`A ${n.db}`]);
    expect((await askDocker([n.alias])).answers).toEqual([`A ${n.cache}`, `A ${n.db}`]);
  });

  it('PTR of a container address', async () => {
    const d = await askDocker(['-x', addrOf('docker', n.web)]);
    const t = await askTsdiag(['-x', addrOf('tsdiag', n.web)]);
    expect(d.answers).toEqual([`PTR ${n.web}.${n.app}.`]);
    expect(t).toEqual(d);
  });
});
