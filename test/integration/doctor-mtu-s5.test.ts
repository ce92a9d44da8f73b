import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';

describe('path.mtu on the lab: healthy, S5 (a 1400-byte link behind a router that drops ICMP frag-needed)', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('healthy: a full-size DF ping passes, with every hop as evidence, fast', async () => {
    const { report } = await lab.doctor('--check', 'path.mtu');
    const c = lab.check(report, 'path.mtu');
    expect(c.status).toBe('pass');
    expect(c.evidence.join('\n')).toMatch(/web, egress of route to [0-9.]+: eth0 mtu 1500/);
    expect(c.evidence.join('\n')).toMatch(/bridge of network app: br-[0-9a-f]{12} mtu 1500/);
  });

  it('S5: path.mtu fails with the path MTU and the exact fix; the fix works; healed, the doctor passes', async () => {
    await lab.lab('fault', 'S5');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    expect(lab.check(report, 'reach.icmp').status).toBe('pass');
    const c = lab.check(report, 'path.mtu');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe('packets over 1400 bytes do not reach db: web sends up to 1500');
    expect(c.evidence.join('\n')).toMatch(/no ICMP "fragmentation needed" came back/);
    expect(c.fix).toBe(`ip netns exec ${lab.name}:web ip link set dev eth0 mtu 1400`);

    // the other end of the path: db's large packets die on the same link (a veth takes MTU + 4 bytes of VLAN header)
    const back = JSON.parse((await lab.cli(['--host-netns', lab.name, 'doctor', 'db', 'web', '--json', '--check', 'path.mtu'])).stdout);
    expect(back.checks[0].status).toBe('fail');
    expect(back.checks[0].fix).toMatch(new RegExp(`^ip netns exec ${lab.name}:db ip link set dev eth0 mtu 140[04]$`));

    const [cmd, ...args] = c.fix!.split(' ');
    await execa(cmd!, args);
    expect(lab.check((await lab.doctor('--check', 'path.mtu')).report, 'path.mtu').status).toBe('pass');
    await execa('ip', ['netns', 'exec', `${lab.name}:web`, 'ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1500']);

    await lab.lab('heal');
    const healed = await lab.doctor();
    expect(healed.report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(lab.check(healed.report, 'path.mtu').status).toBe('pass');
  });
});
