import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TestSandbox } from '../helpers/sandbox.js';

describe('netcore: bad input changes nothing and exits 2', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await TestSandbox.create('bad');
    await sb.ok(['network', 'create', '--subnet', '10.88.0.0/24', 'app']);
    await sb.ok(['run', '--name', 'db', '--network', 'app', '-p', '5432:5432']);
  });
  afterAll(async () => sb?.dispose());

  const cases: Array<[string, string[], RegExp]> = [
    ['a bad network name', ['network', 'create', 'bad name'], /invalid network name/],
    ['a name with a shell metacharacter', ['network', 'create', 'x;reboot'], /invalid network name/],
    ['a bad CIDR', ['network', 'create', '--subnet', '10.0.0.0/99', 'n1'], /invalid CIDR/],
    ['host bits in a CIDR', ['network', 'create', '--subnet', '10.0.0.1/24', 'n1'], /host bits set/],
    ['an overlapping subnet', ['network', 'create', '--subnet', '10.88.0.128/25', 'n1'], /overlaps/],
    ['a gateway outside the subnet', ['network', 'create', '--subnet', '10.99.0.0/24', '--gateway', '10.98.0.1', 'n1'], /not a usable address/],
    ['a duplicate network', ['network', 'create', 'app'], /already exists/],
    ['an unknown driver option', ['network', 'create', '-o', 'mtu=1400', 'n1'], /unknown driver option/],
    ['an MTU out of range', ['network', 'create', '-o', 'com.docker.network.driver.mtu=20', 'n1'], /MTU/],
    ['an unknown network', ['run', '--name', 'x', '--network', 'nope'], /network nope not found/],
    ['a duplicate container', ['run', '--name', 'db', '--network', 'app'], /already in use/],
    ['an IP outside the subnet', ['run', '--name', 'x', '--network', 'app', '--ip', '10.1.1.1'], /not a usable address/],
    ['an IP already taken', ['run', '--name', 'x', '--network', 'app', '--ip', '10.88.0.2'], /already in use/],
    ['a bad IP', ['run', '--name', 'x', '--network', 'app', '--ip', '10.88.0.300'], /invalid IPv4/],
    ['a host port already published', ['run', '--name', 'x', '--network', 'app', '-p', '5432:80'], /port is already allocated/],
    ['a bad port spec', ['run', '--name', 'x', '--network', 'app', '-p', '99999:80'], /invalid/],
    ['removing a network with containers', ['network', 'rm', 'app'], /has active endpoints/],
    ['removing an unknown container', ['rm', 'nope'], /No such container/],
    ['an unknown flag', ['network', 'create', '--bogus', 'n1'], /Unknown option/],
    ['a missing --name', ['run', '--network', 'app'], /needs --name/],
    ['an unknown command', ['frobnicate'], /unknown command/],
    ['a bad host namespace name', ['--host-netns', '../etc', 'ps'], /invalid host namespace name/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    const before = await sb.snapshot();
    const res = await sb.cli(args);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(await sb.snapshot()).toBe(before);
  });

  it('every command has --help', async () => {
    for (const args of [['--help'], ['network', '--help'], ['network', 'create', '--help'], ['run', '--help'], ['ps', '--help'],
      ['exec', '--help'], ['rm', '--help'], ['inspect', '--help'], ['sandbox', '--help'], ['system', '--help'], ['demo', '--help']]) {
      const res = await sb.cli(args);
      expect(res.exitCode, args.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/Usage: tsdiag/);
    }
  });

  it('without root it says which capability is missing', async () => {
    const res = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
      process.execPath, CLI, 'network', 'create', 'n1'], { reject: false, env: sb.env() });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/needs CAP_NET_ADMIN and CAP_SYS_ADMIN/);
  });

  it('without root, dns serve names the capability, and a directory of root\'s says what to do instead', async () => {
    const nobody = (args: string[], env: Record<string, string>) => execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
      process.execPath, CLI, ...args], { reject: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, extendEnv: false });
    const bind = await nobody(['dns', 'serve'], { TSDIAG_STATE_DIR: sb.stateDir });
    expect(bind.exitCode).toBe(2);
    expect(bind.stderr).toBe('tsdiag: dns serve needs CAP_NET_BIND_SERVICE (run as root)\nrun instead: sudo tsdiag dns serve');
    const dir = await nobody(['dns', 'serve', '--port', '5353'], { TSDIAG_STATE_DIR: sb.stateDir });
    expect(dir.exitCode).toBe(2);
    expect(dir.stderr).toMatch(/permission denied.*\(not root: run as root, or point TSDIAG_STATE_DIR at a directory you may write\)\nrun instead: sudo tsdiag dns serve --port 5353$/);
  });
});

describe('netcore: concurrency and failures half way', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await TestSandbox.create('fail');
    await sb.ok(['network', 'create', 'app']);
  });
  afterAll(async () => sb?.dispose());

  it('8 parallel tsdiag run get 8 distinct addresses', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const results = await Promise.all(names.map((n) => sb.cli(['run', '--name', n, '--network', 'app'])));
    expect(results.map((r) => r.exitCode)).toEqual(names.map(() => 0));
    const state = await sb.state();
    const addrs = names.map((n) => state.containers[n].endpoints[0].ipv4);
    expect(new Set(addrs).size).toBe(8);
    for (const n of names) {
      const out = (await sb.inNetns(sb.containerNetns(n), ['ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
      expect(out).toContain(state.containers[n].endpoints[0].ipv4);
    }
    await sb.ok(['rm', ...names]);
  });

  /** Runs the command with a failure injected before step k, for k = 0, 1, ... until it gets through. */
  async function everyStepRollsBack(args: string[]): Promise<number> {
    const before = await sb.snapshot();
    for (let k = 0; k < 40; k++) {
      const res = await sb.cli(args, { env: { TSDIAG_FAIL_AT_STEP: String(k) } });
      if (res.exitCode === 0) return k;
      expect(res.stderr, `step ${k}`).toMatch(/injected failure before step/);
      expect(await sb.snapshot(), `after a failure at step ${k}`).toBe(before);
    }
    throw new Error('never got through');
  }

  it('a failure at any step of a container create leaves nothing behind', async () => {
    const steps = await everyStepRollsBack(['run', '--name', 'web', '--network', 'app', '-p', '8080:80']);
    expect(steps).toBeGreaterThanOrEqual(8);
    await sb.ok(['rm', 'web']);
  });

  it('a failure at any step of a first container on the default bridge (which creates docker0) leaves nothing behind', async () => {
    const steps = await everyStepRollsBack(['run', '--name', 'plain']);
    expect(steps).toBeGreaterThanOrEqual(10);
    await sb.ok(['rm', 'plain']);
    await sb.ok(['network', 'rm', 'bridge']).catch(() => undefined);
  });

  it('a failure at any step of a network create leaves nothing behind', async () => {
    const steps = await everyStepRollsBack(['network', 'create', '-o', 'com.docker.network.driver.mtu=1400', 'second']);
    expect(steps).toBeGreaterThanOrEqual(5);
    await sb.ok(['network', 'rm', 'second']);
  });

  it('kill -9 half way, then system reconcile, leaves the host clean', async () => {
    const clean = await sb.snapshot();
    for (const pauseAt of [1, 4, 7]) {
      const child = execa(process.execPath, [CLI, 'run', '--name', 'victim', '--network', 'app', '-p', '9090:80'],
        { env: sb.env({ TSDIAG_PAUSE_AT_STEP: String(pauseAt) }), reject: false });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('never paused')), 20_000);
        child.stderr!.on('data', (d: Buffer) => {
          if (d.toString().includes('paused before step')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      child.kill('SIGKILL');
      await child;
      expect(await sb.snapshot()).not.toBe(clean);
      const out = await sb.ok(['system', 'reconcile']);
      expect(out).toMatch(/removed orphan namespace/);
      expect(await sb.snapshot(), `after a kill before step ${pauseAt}`).toBe(clean);
    }
    expect((await sb.ok(['system', 'reconcile'])).trim()).toBe('nothing to repair');
  });

  it('reconcile drops state whose namespace is gone', async () => {
    await sb.ok(['run', '--name', 'gone', '--network', 'app']);
    await execa('ip', ['netns', 'del', sb.containerNetns('gone')]);
    const out = await sb.ok(['system', 'reconcile']);
    expect(out).toMatch(/repaired container gone: namespace gone/);
    expect((await sb.state()).containers.gone).toBeUndefined();
  });
});
