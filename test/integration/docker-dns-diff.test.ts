import { afterAll, beforeAll, expect, it } from 'vitest';
import { run, type RunOptions } from '../../src/netcore/kernel/exec.js';
import { withState } from '../../src/netcore/bridge/state/store.js';
import { TestSandbox, waitFor } from '../helpers/sandbox.js';
import { describeWithEngine, docker, removeRunObjects, TEST_IMAGE, TEST_RUN_LABEL, uniqueRunId, type DockerEngine } from '../helpers/docker.js';

interface DigAnswer {
  status: string;
  /** answers with container addresses replaced by container names, sorted */
  answers: string[];
}

/** dig's status and answer records, with each address (A or AAAA) written as the container it belongs to. */
function parseDig(out: string, nameOf: Map<string, string>): DigAnswer {
  const status = /status: (\w+)/.exec(out)?.[1] ?? 'NO-REPLY';
  const answers = out.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => {
    const f = l.split(/\s+/);
    const [type, data] = [f[3]!, f.slice(4).join(' ')];
    return `${type} ${type === 'A' || type === 'AAAA' ? (nameOf.get(data) ?? data) : data}`;
  });
  return { status, answers: answers.sort() };
}

/** One question to one server from inside a container's namespace (a named one, or a path such as /proc/PID/ns/net). */
async function askFrom(where: Pick<RunOptions, 'netns' | 'netnsPath'>, server: string, args: string[], nameOf: Map<string, string>): Promise<DigAnswer> {
  const res = await run('dig', ['+time=2', '+tries=1', `@${server}`, ...args], { ...where, reject: false });
  return parseDig(res.stdout, nameOf);
}

/** The container addresses Docker reports, both families, as address -> container name. */
async function dockerAddresses(engine: DockerEngine, containers: string[], side: { nameOf: Map<string, string>; ids: Map<string, string> }): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const c of containers) {
    const info = JSON.parse((await docker(engine, ['inspect', c])).stdout)[0];
    side.ids.set(c, info.Id.slice(0, 12));
    for (const net of Object.values(info.NetworkSettings.Networks) as Array<{ IPAddress: string; GlobalIPv6Address: string }>) {
      if (net.IPAddress) side.nameOf.set(net.IPAddress, c);
      if (net.GlobalIPv6Address) side.nameOf.set(net.GlobalIPv6Address, c);
    }
    pids.set(c, info.State.Pid);
  }
  return pids;
}

/** A topology both sides build: networks (with Docker-only options), containers (network, alias), then connects. */
interface Shape {
  networks: Array<{ name: string; dockerOptions?: string[] }>;
  containers: Array<{ name: string; network: string; alias?: string }>;
  connect: Array<{ network: string; container: string }>;
}
interface Names { nameOf: Map<string, string>; ids: Map<string, string> }

/** Builds the shape on Docker (labelled with runId); returns each container's pid. */
async function buildOnDocker(engine: DockerEngine, runId: string, shape: Shape, side: Names): Promise<Map<string, number>> {
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  for (const net of shape.networks) await docker(engine, ['network', 'create', ...label, ...(net.dockerOptions ?? []), net.name]);
  for (const c of shape.containers) {
    const alias = c.alias ? ['--network-alias', c.alias] : [];
    await docker(engine, ['run', '-d', ...label, '--name', c.name, '--network', c.network, ...alias, TEST_IMAGE, 'sleep', '3600']);
  }
  for (const { network, container } of shape.connect) await docker(engine, ['network', 'connect', network, container]);
  return dockerAddresses(engine, shape.containers.map((c) => c.name), side);
}

/** Builds the shape with tsdiag in the sandbox (the caller's, so that afterAll removes it also after a failure here); `then` runs before the names are read. */
async function buildOnTsdiag(sb: TestSandbox, shape: Shape, side: Names, then?: () => Promise<void>): Promise<void> {
  for (const net of shape.networks) await sb.ok(['network', 'create', net.name]);
  for (const c of shape.containers) await sb.ok(['run', '--name', c.name, '--network', c.network, ...(c.alias ? ['--network-alias', c.alias] : [])]);
  for (const { network, container } of shape.connect) await sb.ok(['network', 'connect', network, container]);
  await then?.();
  for (const c of Object.values((await sb.state()).containers) as any[]) {
    side.ids.set(c.name, c.id.slice(0, 12));
    for (const e of c.endpoints) for (const addr of [e.ipv4, e.ipv6]) if (addr) side.nameOf.set(addr, c.name);
  }
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
    const shape: Shape = {
      networks: [{ name: n.app }, { name: n.back }],
      containers: [{ name: n.web, network: n.app }, { name: n.db, network: n.app, alias: n.alias }, { name: n.cache, network: n.app, alias: n.alias }, { name: n.other, network: n.back }],
      connect: [{ network: n.back, container: n.db }],
    };
    side.docker.pid = (await buildOnDocker(engine, runId, shape, side.docker)).get(n.web)!;
    sb = await TestSandbox.create('ddiff');
    await buildOnTsdiag(sb, shape, side.tsdiag);
    side.tsdiag.netns = sb.containerNetns(n.web);
    side.tsdiag.gateway = (await sb.state()).networks[n.app].gateway;
  });

  afterAll(async () => {
    await removeRunObjects(engine, runId);
    await sb?.dispose();
  });

  const askDocker = (args: string[]) => askFrom({ netnsPath: `/proc/${side.docker.pid}/ns/net` }, '127.0.0.11', args, side.docker.nameOf);
  const askTsdiag = (args: string[]) => askFrom({ netns: side.tsdiag.netns }, side.tsdiag.gateway, args, side.tsdiag.nameOf);
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

/**
 * IPv6: a `--ipv6` network on Docker 26 against the same shape on tsdiag.
 * netcore cannot build dual-stack networks yet, so tsdiag's side is an IPv4
 * network made by `tsdiag network create`/`run`, given its IPv6 by hand (the
 * bridge's gateway, each container's address and default route, `nodad`) and
 * written into the state's IPv6 fields through the store; the DNS server
 * follows the state and listens on the IPv6 gateway, where tsdiag is asked.
 *   app6 (dual-stack): web, db, cache (db and cache share an alias)
 *   back (IPv4 only): web, other
 */
describeWithEngine('dns over IPv6: tsdiag answers AAAA and ip6.arpa as Docker\'s embedded resolver does', (engine: DockerEngine) => {
  const runId = `v6d-${uniqueRunId()}`;
  const n = { app6: `${runId}-app6`, back: `${runId}-back`, web: `${runId}-web`, db: `${runId}-db`, cache: `${runId}-cache`, other: `${runId}-other`, alias: `${runId}-store` };
  const docker6 = `fd00:d6d:${Math.floor(Math.random() * 0xffff).toString(16)}::/64`;
  const TSDIAG_PREFIX6 = 'fd00:75d6:1';
  let sb: TestSandbox;
  const side = {
    docker: { nameOf: new Map<string, string>(), ids: new Map<string, string>(), pid: 0 },
    tsdiag: { nameOf: new Map<string, string>(), ids: new Map<string, string>(), netns: '', gateway6: '' },
  };

  /** tsdiag's network `name` becomes dual-stack: kernel addresses by hand, then the state's IPv6 fields. */
  async function addIpv6ByHand(name: string): Promise<void> {
    const host = { netns: sb.name, stateDir: sb.stateDir };
    const state = await sb.state();
    const device = state.networks[name].device as string;
    const gateway6 = `${TSDIAG_PREFIX6}::1`;
    const ip = (args: string[]) => run('ip', args);
    await run('ip', ['netns', 'exec', sb.name, 'sysctl', '-qw', `net.ipv6.conf.${device}.disable_ipv6=0`]);
    await ip(['-n', sb.name, '-6', 'addr', 'add', `${gateway6}/64`, 'dev', device, 'nodad']);
    const ipv6Of = new Map<string, string>();
    let next = 2;
    for (const c of Object.values(state.containers) as any[]) {
      const ep = c.endpoints.find((e: any) => e.network === name);
      if (!ep) continue;
      const addr = `${TSDIAG_PREFIX6}::${(next++).toString(16)}`;
      const ns = sb.containerNetns(c.name);
      await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${ep.ifname}.disable_ipv6=0`]);
      await ip(['-n', ns, '-6', 'addr', 'add', `${addr}/64`, 'dev', ep.ifname, 'nodad']);
      await ip(['-n', ns, '-6', 'route', 'replace', 'default', 'via', gateway6, 'dev', ep.ifname]);
      ipv6Of.set(c.name, addr);
    }
    await withState(host, async (s) => {
      const net = s.networks[name]!;
      Object.assign(net, { subnet6: `${TSDIAG_PREFIX6}::/64`, gateway6, enableIPv4: true });
      for (const c of Object.values(s.containers)) {
        for (const ep of c.endpoints) if (ep.network === name && ipv6Of.has(c.name)) Object.assign(ep, { ipv6: ipv6Of.get(c.name), prefixLen6: 64 });
      }
      return { state: s, result: undefined };
    });
    side.tsdiag.gateway6 = gateway6;
  }

  beforeAll(async () => {
    const shape: Shape = {
      networks: [{ name: n.app6, dockerOptions: ['--ipv6', '--subnet', docker6] }, { name: n.back }],
      containers: [{ name: n.web, network: n.app6 }, { name: n.db, network: n.app6, alias: n.alias }, { name: n.cache, network: n.app6, alias: n.alias }, { name: n.other, network: n.back }],
      connect: [{ network: n.back, container: n.web }],
    };
    side.docker.pid = (await buildOnDocker(engine, runId, shape, side.docker)).get(n.web)!;
    sb = await TestSandbox.create('v6diff');
    await buildOnTsdiag(sb, shape, side.tsdiag, () => addIpv6ByHand(n.app6));
    side.tsdiag.netns = sb.containerNetns(n.web);
    // the server follows the state: it answers on the new IPv6 gateway once it has bound it
    await waitFor(async () => (await askTsdiag([n.db, 'AAAA'])).answers.length > 0, 15_000);
  }, 120_000);

  afterAll(async () => {
    await removeRunObjects(engine, runId);
    await sb?.dispose();
  });

  const askDocker = (args: string[]) => askFrom({ netnsPath: `/proc/${side.docker.pid}/ns/net` }, '127.0.0.11', args, side.docker.nameOf);
  const askTsdiag = (args: string[]) => askFrom({ netns: side.tsdiag.netns }, side.tsdiag.gateway6, args, side.tsdiag.nameOf);
  const v6Of = (which: 'docker' | 'tsdiag', name: string) => [...side[which].nameOf.entries()].find(([a, c]) => c === name && a.includes(':'))![0];

  const cases: Array<[string, (s: 'docker' | 'tsdiag') => string[]]> = [
    ['AAAA of a container name', () => [n.db, 'AAAA']],
    ['A of the same name on the dual-stack network', () => [n.db, 'A']],
    ['AAAA in capitals with a trailing dot', () => [`${n.db.toUpperCase()}.`, 'AAAA']],
    ['AAAA of name.network', () => [`${n.db}.${n.app6}`, 'AAAA']],
    ['AAAA of an alias shared by two containers: both addresses', () => [n.alias, 'AAAA']],
    ['AAAA of the short id', (s) => [side[s].ids.get(n.db)!, 'AAAA']],
    ['AAAA of a container without IPv6 (IPv4-only network): NOERROR, empty', () => [n.other, 'AAAA']],
    ['A of that container still answers', () => [n.other, 'A']],
    ['PTR of a container\'s IPv6 address (ip6.arpa, nibbles)', (s) => ['-x', v6Of(s, n.db)]],
    ['PTR over TCP', (s) => ['-x', v6Of(s, n.cache), '+tcp']],
  ];

  it.each(cases)('%s', async (_what, argsFor) => {
    const [d, t] = await Promise.all([askDocker(argsFor('docker')), askTsdiag(argsFor('tsdiag'))]);
    expect(d.status).toBe('NOERROR');
    expect(t).toEqual(d);
  });

  it('the questions above really got IPv6 answers from Docker', async () => {
    expect((await askDocker([n.alias, 'AAAA'])).answers).toEqual([`AAAA ${n.cache}`, `AAAA ${n.db}`]);
    expect((await askDocker(['-x', v6Of('docker', n.db)])).answers).toEqual([`PTR ${n.db}.${n.app6}.`]);
  });
}, ['26']);
