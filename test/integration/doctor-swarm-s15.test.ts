import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';

describe('swarm.ports on the lab: no swarm, S15 (a two-node VXLAN overlay, node 2 drops 4789/udp), variants', () => {
  const lab = new TestLab();
  const node2 = () => `${lab.name}:swarm-node2`;
  const iptablesOnNode2 = (...args: string[]) => execa('ip', ['netns', 'exec', node2(), 'iptables', ...args]);
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('without a swarm it skips and says why, with --swarm too', async () => {
    const c = lab.check((await lab.doctor('--check', 'swarm')).report, 'swarm.ports');
    expect(c.status).toBe('skip');
    expect(c.summary).toMatch(/not in a swarm: no VXLAN link/);
    expect(lab.check((await lab.doctor('--check', 'swarm', '--swarm')).report, 'swarm.ports').summary).toMatch(/no peer node known/);
  });

  it('S15: names 4789/udp with the overlay evidence; open again it passes; a dropped 7946/tcp is named; healed it skips', async () => {
    await lab.lab('fault', 'S15');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'swarm.ports');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^4789\/udp \(VXLAN\) to node 198\.18\.1\.2 is blocked: overlay traffic to [0-9.]+ gets no answer \(a one-sided probe cannot prove UDP/);
    expect(c.evidence.join('\n')).toMatch(/ {2}2377\/tcp: open .*\n {2}7946\/tcp: open/);
    expect(c.fix).toBe('on node 198.18.1.2: iptables -I INPUT -p udp --dport 4789 -j ACCEPT');

    await iptablesOnNode2('-D', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP');
    const open = lab.check((await lab.doctor('--check', 'swarm')).report, 'swarm.ports');
    expect(open.status).toBe('pass');
    expect(open.evidence.join('\n')).toMatch(/4789\/udp \(VXLAN\): proved by overlay traffic: task1 -> [0-9.]+ answered/);

    await iptablesOnNode2('-I', 'INPUT', '-p', 'tcp', '--dport', '7946', '-j', 'DROP');
    const gossip = lab.check((await lab.doctor('--check', 'swarm')).report, 'swarm.ports');
    expect(gossip.status).toBe('fail');
    expect(gossip.summary).toMatch(/^7946\/tcp to node 198\.18\.1\.2: no answer/);
    await iptablesOnNode2('-D', 'INPUT', '-p', 'tcp', '--dport', '7946', '-j', 'DROP');

    // on this node: the rule itself is named, with a fix that deletes it
    await execa('ip', ['netns', 'exec', lab.name, 'iptables', '-I', 'INPUT', '-p', 'tcp', '--dport', '2377', '-j', 'REJECT']);
    const local = lab.check((await lab.doctor('--check', 'swarm')).report, 'swarm.ports');
    expect(local.summary).toMatch(/^2377\/tcp is blocked on this node: this node's INPUT rule 1/);
    expect(local.fix).toBe(`ip netns exec ${lab.name} iptables -D INPUT -p tcp -m tcp --dport 2377 -j REJECT --reject-with icmp-port-unreachable`);
    const [cmd, ...args] = local.fix!.split(' ');
    await execa(cmd!, args);

    await lab.lab('heal');
    const healed = await lab.doctor();
    expect(healed.exitCode, JSON.stringify(healed.report.checks.filter((x) => x.status === 'fail'))).toBe(0);
    expect(lab.check(healed.report, 'swarm.ports').status).toBe('skip');
  });
});
