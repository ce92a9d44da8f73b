import { describe, expect, it } from 'vitest';
import { swarmPorts, type NodeFacts, type SwarmFacts } from '../../../../../src/diag/checks/swarm/swarm.js';
import { decide } from '../../../../../src/diag/checks/swarm/firewall.js';
import { swarmNodes } from '../../../../../src/diag/checks/swarm/peers.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';

const node = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  address: '198.18.1.2', links: ['vxlan4096 (VNI 4096, udp 4789)'], dataPort: 4789,
  tcp: [{ port: 2377, result: 'open', ms: 1 }, { port: 7946, result: 'open', ms: 1 }],
  overlay: { from: 'task1', to: '172.19.255.254', alive: true, ms: 0.3 }, ...over,
});
const facts = (over: Partial<SwarmFacts> = {}): SwarmFacts => ({ backend: 'native', hostNetns: 'lab', nodes: [node()], blocks: [], firewallRead: true, ...over });
const ipt = (...input: string[]) => parseIptablesCounters(['*filter', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':ufw-input - [0:0]', ...input.map((r) => `[0:0] ${r}`), 'COMMIT'].join('\n'));

describe('swarm.ports verdicts', () => {
  it('passes when control ports connect and overlay traffic proves the data port', () => {
    const v = swarmPorts.judge(facts());
    expect(v.status).toBe('pass');
    expect(v.evidence.join('\n')).toMatch(/4789\/udp \(VXLAN\): proved by overlay traffic/);
  });
  it('4789/udp without a container on that node is unverifiable: warn, never pass', () => {
    const v = swarmPorts.judge(facts({ nodes: [node({ overlay: null })] }));
    expect(v.status).toBe('warn');
    expect(v.summary).toMatch(/4789\/udp .* unverifiable: a one-sided probe cannot prove UDP/);
  });
  it('dead overlay traffic names the data port and says why UDP needs that evidence', () => {
    const v = swarmPorts.judge(facts({ nodes: [node({ dataPort: 4790, overlay: { from: 'task1', to: '10.0.9.3', alive: false, ms: null } })] }));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^4790\/udp \(VXLAN\) to node 198\.18\.1\.2 is blocked.*one-sided probe cannot prove UDP/);
    expect(v.fix).toBe('on node 198.18.1.2: iptables -I INPUT -p udp --dport 4790 -j ACCEPT');
  });
  it('a dropped or rejected control port is named', () => {
    const dropped = swarmPorts.judge(facts({ nodes: [node({ tcp: [{ port: 2377, result: 'open', ms: 1 }, { port: 7946, result: 'timeout', ms: 1500 }] })] }));
    expect(dropped.summary).toMatch(/^7946\/tcp to node 198\.18\.1\.2: no answer/);
    expect(dropped.fix).toBe('on node 198.18.1.2: iptables -I INPUT -p tcp --dport 7946 -j ACCEPT');
    const rejected = swarmPorts.judge(facts({ nodes: [node({ tcp: [{ port: 2377, result: 'refused', ms: 1 }, { port: 7946, result: 'open', ms: 1 }] })] }));
    expect(rejected.summary).toMatch(/^2377\/tcp .* refused: no manager listens there, or a REJECT rule/);
  });
  it('a rule on this node: named with its chain and position, fixed by deleting it', () => {
    const state = ipt('-A INPUT -p udp -m udp --dport 4789 -j DROP');
    const d = decide(state, 'INPUT', { proto: 'udp', port: 4789, peer: '198.18.1.2' })!;
    const v = swarmPorts.judge(facts({ blocks: [{ ...d, node: '198.18.1.2', what: '4789/udp' }] }));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/INPUT rule 1 \(-A INPUT -p udp -m udp --dport 4789 -j DROP\) drops 4789\/udp/);
    expect(v.fix).toBe('ip netns exec lab iptables -D INPUT -p udp -m udp --dport 4789 -j DROP');
  });
  it('skips without peers', () => {
    expect(swarmPorts.judge(facts({ nodes: [] })).status).toBe('skip');
  });
});

describe('which rule decides a swarm packet', () => {
  const pkt = { proto: 'udp' as const, port: 4789, peer: '198.18.1.2' };
  it('first terminal match wins; ACCEPT before DROP lets it through', () => {
    expect(decide(ipt('-A INPUT -p udp --dport 4789 -j ACCEPT', '-A INPUT -p udp --dport 4789 -j DROP'), 'INPUT', pkt)).toBeNull();
  });
  it('ranges, multiport, user chains, REJECT, source and policy', () => {
    expect(decide(ipt('-A INPUT -p udp -m multiport --dports 7946,4789 -j REJECT --reject-with icmp-port-unreachable'), 'INPUT', pkt)?.verdict).toBe('REJECT');
    expect(decide(ipt('-A INPUT -p udp --dport 4000:5000 -j DROP'), 'INPUT', pkt)?.rule?.position).toBe(1);
    expect(decide(ipt('-A INPUT -j ufw-input', '-A ufw-input -p udp --dport 4789 -j DROP'), 'INPUT', pkt)?.chain).toBe('ufw-input');
    expect(decide(ipt('-A INPUT -s 10.0.0.0/8 -p udp --dport 4789 -j DROP'), 'INPUT', pkt)).toBeNull();
    expect(decide(ipt('-A INPUT -p tcp --dport 4789 -j DROP', '-A INPUT -i lo -j DROP'), 'INPUT', pkt)).toBeNull();
    expect(decide(ipt('-A OUTPUT -p esp -j DROP'), 'OUTPUT', { proto: 'esp', port: null, peer: '198.18.1.2' })?.verdict).toBe('DROP');
    const policy = parseIptablesCounters('*filter\n:INPUT DROP [0:0]\n[0:0] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n');
    expect(decide(policy, 'INPUT', pkt)).toEqual({ verdict: 'DROP', chain: 'INPUT', rule: null });
  });
});

describe('peer nodes from the VXLAN data plane', () => {
  it('remote and forwarding entries give nodes; permanent neighbours give their containers', () => {
    const nodes = swarmNodes(
      [{ ifname: 'vxlan4096', vni: 4096, remote: '198.18.1.2', local: '198.18.1.1', dstport: 4789, master: 'br-x' },
        { ifname: 'vx-ovl', vni: 256, remote: null, local: null, dstport: 4789, master: 'br0' }],
      [{ mac: '02:42:ac:13:ff:fe', dev: 'vxlan4096', dst: '198.18.1.2' }, { mac: '00:00:00:00:00:00', dev: 'vx-ovl', dst: '10.1.0.7' }, { mac: '02:42:0a:00:00:09', dev: 'vx-ovl', dst: '10.1.0.8' }],
      [{ dst: '172.19.255.254', dev: 'vxlan4096', lladdr: '02:42:ac:13:ff:fe' }, { dst: '10.0.0.9', dev: 'vx-ovl', lladdr: '02:42:0a:00:00:09' }],
    );
    expect(nodes.map((n) => n.address)).toEqual(['198.18.1.2', '10.1.0.7', '10.1.0.8']);
    expect(nodes[0]!.containers).toEqual([{ address: '172.19.255.254', mac: '02:42:ac:13:ff:fe' }]);
    expect(nodes[2]!.containers).toEqual([{ address: '10.0.0.9', mac: '02:42:0a:00:00:09' }]);
    expect(nodes[1]!.containers).toEqual([]);
  });
});
