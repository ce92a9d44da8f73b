import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { TestLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/sandbox.js';

describe('doctor on the lab: DNS faults', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('healthy: the peer resolves through the embedded server and the upstream answers', async () => {
    const { report } = await lab.doctor('--check', '^dns');
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['dns.embedded', 'pass'], ['dns.resolve-peer', 'pass'], ['dns.upstream', 'pass']]);
  });

  it('S4: a dead first upstream is named by dns.upstream; the sed fix works; healed, all pass', async () => {
    await lab.lab('fault', 'S4');
    const slow = await execa('ip', ['netns', 'exec', `${lab.name}:web`, 'dig', '+time=10', '+tries=1', 'upstream.lab.test'], { reject: false });
    expect(String(slow.stdout)).toMatch(/status: NOERROR/);
    expect(Number(/Query time: (\d+) msec/.exec(String(slow.stdout))?.[1])).toBeGreaterThanOrEqual(3900);
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'dns.upstream');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^192\.0\.2\.1 does not answer: every outside lookup waits 4 s before 198\.18\.0\.1 answers$/);
    expect(c.fix).toBe(`sed -i -e '/^nameserver 192\\.0\\.2\\.1$/d' /etc/netns/${lab.name}/resolv.conf`);
    // the fix, run for real: the server re-reads the host's resolver file, lookups are fast again
    await execa('sed', ['-i', '-e', '/^nameserver 192\\.0\\.2\\.1$/d', `/etc/netns/${lab.name}/resolv.conf`]);
    await new Promise((r) => setTimeout(r, 2500));
    const fast = await execa('ip', ['netns', 'exec', `${lab.name}:web`, 'dig', '+time=10', '+tries=1', 'upstream.lab.test'], { reject: false });
    expect(Number(/Query time: (\d+) msec/.exec(String(fast.stdout))?.[1])).toBeLessThan(1000);
    await lab.lab('heal');
    await lab.expectHealthy();
  });

  it('S3: web\'s only upstream is its own loopback (--dns 127.0.0.1): dns.upstream names it; recreated without it, all pass', async () => {
    await lab.lab('fault', 'S3');
    const dig = async () => String((await execa('ip', ['netns', 'exec', `${lab.name}:web`, 'dig', '+time=6', '+tries=1', 'upstream.lab.test'], { reject: false })).stdout);
    expect(await dig()).toMatch(/status: SERVFAIL/);
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'dns.upstream');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe('no upstream of web answers: outside names do not resolve (127.0.0.1 is dialled from inside the container, where nothing listens)');
    expect(c.evidence.join('\n')).toMatch(/^127\.0\.0\.1 \(dialled from inside the container\): /m);
    const t = `tsdiag --host-netns ${lab.name}`;
    expect(c.fix).toBe(`${t} rm -f web && ${t} run -d --name web --network app -- sleep infinity`);
    expect(report.checks.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['dns.upstream']);
    // the fix, run for real
    await lab.cli(['--host-netns', lab.name, 'rm', '-f', 'web']);
    await lab.cli(['--host-netns', lab.name, 'run', '-d', '--name', 'web', '--network', 'app', '--', 'sleep', 'infinity']);
    await waitFor(async () => /status: NOERROR/.test(await dig())); // once the server has seen the new web
    await lab.expectHealthy();
  });

  it('S3, the other way: a container only on an --internal network gets no outside names; dns.upstream says why', async () => {
    const t = ['--host-netns', lab.name];
    await lab.cli([...t, 'network', 'create', '--internal', 'vault']);
    await lab.cli([...t, 'run', '-d', '--name', 'keeper', '--network', 'vault', '--', 'sleep', 'infinity']);
    await lab.cli([...t, 'network', 'connect', 'vault', 'db']);
    try {
      const dig = await execa('ip', ['netns', 'exec', `${lab.name}:keeper`, 'dig', '+time=6', '+tries=1', 'upstream.lab.test'], { reject: false });
      expect(String(dig.stdout)).toMatch(/status: SERVFAIL/);
      const res = await lab.cli([...t, 'doctor', 'keeper', 'db', '--json', '--check', '^(dns|topology)']);
      const report = JSON.parse(res.stdout) as { checks: Array<{ id: string; status: string; summary: string; fix: string | null }> };
      expect(report.checks.map((x) => [x.id, x.status])).toEqual([
        ['topology.exists', 'pass'], ['topology.common-network', 'pass'], ['dns.embedded', 'pass'], ['dns.resolve-peer', 'pass'], ['dns.upstream', 'fail'],
      ]);
      const c = report.checks.find((x) => x.id === 'dns.upstream')!;
      expect(c.summary).toBe('keeper is only on --internal network vault: outside names are not forwarded for it and fail with SERVFAIL');
      expect(c.fix).toBe(`tsdiag --host-netns ${lab.name} network connect <a network that is not --internal> keeper`);
      // the fix, run for real: with a way out, outside names resolve
      await lab.cli([...t, 'network', 'connect', 'app', 'keeper']);
      const again = await lab.cli([...t, 'doctor', 'keeper', 'db', '--json', '--check', '^dns']);
      expect(JSON.parse(again.stdout).checks.map((x: { status: string }) => x.status)).toEqual(['pass', 'pass', 'pass']);
    } finally {
      await lab.cli([...t, 'rm', '-f', 'keeper']);
      await lab.cli([...t, 'network', 'disconnect', 'vault', 'db']);
      await lab.cli([...t, 'network', 'rm', 'vault']);
    }
    await lab.expectHealthy();
  });

  it('dns.resolve-peer names a resolver that does not answer (the server stopped), and passes once it runs again', async () => {
    await lab.cli(['--host-netns', lab.name, 'dns', 'stop']);
    const { report } = await lab.doctor('--check', '^dns');
    const c = lab.check(report, 'dns.resolve-peer');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe("web's resolver 172.18.0.1 does not answer");
    expect(c.fix).toBe(`tsdiag --host-netns ${lab.name} dns serve`);
    // what `run` does when a container joins a user-defined network: start the server in the background
    await lab.cli(['--host-netns', lab.name, 'run', '--name', 'kick', '--network', 'app']);
    await lab.cli(['--host-netns', lab.name, 'rm', 'kick']);
    await lab.expectHealthy();
  });
});
