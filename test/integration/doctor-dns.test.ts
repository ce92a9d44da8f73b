import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { TestLab } from '../helpers/lab.js';

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
