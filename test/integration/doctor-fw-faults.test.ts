import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab, type DoctorJson } from '../helpers/lab.js';

/**
 * S6-S9 built into a lab of its own: the doctor names the fault's check with
 * the fix, the fix run for real makes the doctor pass, and so does healing.
 */
describe('doctor on the lab: firewall faults S6-S9 and their variants', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up(), 120_000);
  afterAll(async () => lab.down());

  const inLab = (cmd: string[]) => execa('nsenter', [`--net=/run/netns/${lab.name}`, '--', ...cmd]);
  const failing = (r: DoctorJson) => r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.id);

  /** Runs a fix as printed: `a && b`, each either `tsdiag ...` or a command in the lab's namespace. */
  async function runFix(fix: string): Promise<void> {
    for (const cmd of fix.split(' && ')) {
      const argv = cmd.split(' ');
      if (argv[0] === 'tsdiag') {
        const res = await lab.cli(argv.slice(1));
        expect(res.exitCode, res.stderr).toBe(0);
      } else {
        expect(argv.slice(0, 4)).toEqual(['ip', 'netns', 'exec', lab.name]); // never the machine's own namespace
        await execa(argv[0]!, argv.slice(1));
      }
    }
  }

  async function expectHealthy(...args: string[]): Promise<void> {
    const { exitCode, report } = await lab.doctor(...args);
    expect(failing(report)).toEqual([]);
    expect(exitCode).toBe(0);
  }

  it('a healthy lab passes every firewall check, with evidence', async () => {
    const { report } = await lab.doctor();
    expect(failing(report)).toEqual([]);
    for (const id of ['fw.forward-policy', 'fw.rule-drop', 'fw.chains-intact', 'fw.backend']) expect(lab.check(report, id).status).toBe('pass');
    expect(lab.check(report, 'fw.chains-intact').evidence.join('\n')).toMatch(/MASQUERADE/);
  });

  it('S6: FORWARD policy DROP with nothing accepting the bridge; reconcile restores the jumps', async () => {
    await lab.lab('fault', 'S6');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'fw.forward-policy');
    expect(c.status).toBe('fail');
    expect(c.evidence).toContain('-P FORWARD DROP');
    expect(c.evidence.join('\n')).toMatch(/FORWARD policy DROP counted [1-9]\d* packet/);
    expect(c.fix).toBe(`tsdiag --host-netns ${lab.name} system reconcile`);
    expect(lab.check(report, 'kernel.br-netfilter').status).toBe('fail');
    await runFix(c.fix!);
    await expectHealthy(); // the policy is still DROP, but the bridge's traffic is accepted again
    await lab.lab('heal');
    await expectHealthy();
  });

  it('S7: the DROP in TSDIAG-USER is named with chain and position; deleting it fixes', async () => {
    await lab.lab('fault', 'S7');
    const { report } = await lab.doctor();
    const c = lab.check(report, 'fw.rule-drop');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe('rule #1 of filter TSDIAG-USER drops web -> db: -A TSDIAG-USER -p tcp -m tcp --dport 5432 -j DROP');
    expect(c.fix).toBe(`ip netns exec ${lab.name} iptables -D TSDIAG-USER 1`);
    expect(failing(report).filter((id) => id.startsWith('fw.'))).toEqual(['fw.rule-drop']);
    await runFix(c.fix!);
    await expectHealthy();
    await lab.lab('heal');
    await expectHealthy();
  });

  it('variant: an ICMP REJECT in plain FORWARD behind other rules', async () => {
    await inLab(['iptables', '-A', 'FORWARD', '-p', 'icmp', '-j', 'LOG']);
    await inLab(['iptables', '-I', 'FORWARD', '2', '-p', 'icmp', '-j', 'REJECT']);
    const { report } = await lab.doctor('--check', '^(reach|fw)\\.');
    const c = lab.check(report, 'fw.rule-drop');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^rule #2 of filter FORWARD rejects web -> db: -A FORWARD -p icmp -j REJECT/);
    await runFix(c.fix!);
    await inLab(['iptables', '-D', 'FORWARD', '-p', 'icmp', '-j', 'LOG']);
    await expectHealthy('--check', '^(reach|fw)\\.');
  });

  it('variant: the other direction (db -> web), dropped by destination in TSDIAG-USER', async () => {
    const addr = await execa('ip', ['-n', `${lab.name}:web`, '-4', '-o', 'addr', 'show', 'eth0']);
    const webIp = /inet ([\d.]+)/.exec(addr.stdout)![1]!;
    await inLab(['iptables', '-I', 'TSDIAG-USER', '-d', `${webIp}/32`, '-p', 'icmp', '-j', 'DROP']);
    const res = await lab.cli(['--host-netns', lab.name, 'doctor', 'db', 'web', '--json', '--check', '^fw\\.rule-drop$']);
    const c = (JSON.parse(res.stdout) as DoctorJson).checks[0]!;
    expect(c).toMatchObject({ id: 'fw.rule-drop', status: 'fail', fix: `ip netns exec ${lab.name} iptables -D TSDIAG-USER 1` });
    expect(c.summary).toMatch(/drops db -> web/);
    await runFix(c.fix!);
    await expectHealthy();
  });

  it('S8: the flushed nat POSTROUTING is named (MASQUERADE unreachable); reconcile fixes', async () => {
    await lab.lab('fault', 'S8');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'fw.chains-intact');
    expect(c.status).toBe('fail');
    expect(c.evidence.join('\n')).toMatch(/missing: -t nat -A POSTROUTING -j TSDIAG-POSTROUTING[\s\S]*MASQUERADE/);
    expect(c.fix).toBe(`tsdiag --host-netns ${lab.name} system reconcile`);
    await runFix(c.fix!);
    await expectHealthy();
    await lab.lab('heal');
    await expectHealthy();
  });

  it('variant: the DNAT of the published port flushed', async () => {
    await inLab(['iptables', '-t', 'nat', '-F', 'TSDIAG']);
    const { report } = await lab.doctor('--check', '^fw\\.chains-intact$');
    const c = lab.check(report, 'fw.chains-intact');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/published port 5432 -> [\d.]+:5432 \(DNAT\)/);
    await runFix(c.fix!);
    await expectHealthy();
  });

  it('S9: a DROP in iptables-legacy beside nft is named with its backend; iptables-legacy -D fixes', async () => {
    await lab.lab('fault', 'S9');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'fw.backend');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe('iptables-legacy drops web -> db, out of sight of iptables-nft that tsdiag reads: filter FORWARD #1: -A FORWARD -p tcp -m tcp --dport 5432 -j DROP');
    expect(c.fix).toBe(`ip netns exec ${lab.name} iptables-legacy -D FORWARD 1`);
    expect(lab.check(report, 'fw.rule-drop').status).toBe('pass'); // the nft rules tsdiag reads drop nothing
    await runFix(c.fix!);
    await expectHealthy();
    await lab.lab('heal');
    await expectHealthy();
  });
});
