import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';

describe('ipam.overlap on the lab: healthy, S14 (a host route inside app\'s subnet)', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('healthy: the subnet is clear of the uplink and the nameserver', async () => {
    const c = lab.check((await lab.doctor('--check', 'ipam')).report, 'ipam.overlap');
    expect(c.status).toBe('pass');
    expect(c.evidence.join('\n')).toMatch(/network app: 172\.\d+\.0\.0\/16/);
  });

  it('S14: names the route and the network; the fix removes it; healed the doctor passes', async () => {
    await lab.lab('fault', 'S14');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'ipam.overlap');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^network app \(172\.\d+\.0\.0\/16\) overlaps host route 172\.\d+\.5\.0\/24 via 198\.18\.0\.1 dev eth0$/);
    expect(c.fix).toMatch(new RegExp(`^ip netns exec ${lab.name} ip route del 172\\.\\d+\\.5\\.0/24 via 198\\.18\\.0\\.1 dev eth0$`));
    expect(c.evidence.join('\n')).toMatch(/network create --subnet \S+ app/);
    const [cmd, ...args] = c.fix!.split(' ');
    await execa(cmd!, args);
    expect(lab.check((await lab.doctor('--check', 'ipam')).report, 'ipam.overlap').status).toBe('pass');
    await lab.lab('heal');
    const healed = await lab.doctor();
    expect(healed.exitCode, JSON.stringify(healed.report.checks.filter((x) => x.status === 'fail'))).toBe(0);
  });
});
