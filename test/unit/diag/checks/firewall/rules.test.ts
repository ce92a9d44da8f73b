import { describe, expect, it } from 'vitest';
import { deleteRulesCommands, matchPassage, movedPolicies, movedRules, walkForward } from '../../../../../src/diag/checks/firewall/rules.js';
import { expectedRules, missingRules } from '../../../../../src/diag/checks/firewall/expected.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';
import type { InvContainer, InvNetwork } from '../../../../../src/diag/inventory/types.js';

const BR = 'br-0123456789ab';
const save = (forward: string[], extra: string[] = [], policy = 'ACCEPT') => parseIptablesCounters([
  '*filter', ':INPUT ACCEPT [0:0]', `:FORWARD ${policy} [0:0]`, ':OUTPUT ACCEPT [0:0]',
  ':TSDIAG-USER - [0:0]', ':TSDIAG-FORWARD - [0:0]', ':DOCKER-USER - [0:0]',
  ...forward.map((r) => `[0:0] -A FORWARD ${r}`), ...extra, 'COMMIT', ''].join('\n'));
const tsdiagChains = ['[0:0] -A TSDIAG-USER -j RETURN', `[0:0] -A TSDIAG-FORWARD -o ${BR} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `[0:0] -A TSDIAG-FORWARD -i ${BR} -o ${BR} -j ACCEPT`];
const within = { in: BR, out: BR };

describe('matchPassage', () => {
  const rule = (text: string) => ({ table: 'filter', chain: 'FORWARD', position: 1, packets: 0, bytes: 0, text: `-A FORWARD ${text}`, target: null });
  it('interface matches decide, negations and + wildcards included; other conditions make it conditional', () => {
    expect(matchPassage(rule(`-i ${BR} -o ${BR} -j ACCEPT`), within)).toBe('yes');
    expect(matchPassage(rule(`-i ${BR} ! -o ${BR} -j ACCEPT`), within)).toBe('no');
    expect(matchPassage(rule('-o br-+ -j ACCEPT'), within)).toBe('yes');
    expect(matchPassage(rule('-o docker0 -j DOCKER'), within)).toBe('no');
    expect(matchPassage(rule('-p tcp -m tcp --dport 5432 -j DROP'), within)).toBe('maybe');
    expect(matchPassage(rule('-m comment --comment "a b" -j ACCEPT'), within)).toBe('yes');
    expect(matchPassage(rule('-j REJECT --reject-with icmp-port-unreachable'), within)).toBe('yes');
  });
});

describe('walkForward: where traffic within a bridge ends', () => {
  it('accepted through the jump into TSDIAG-FORWARD; a conditional ACCEPT is not counted on', () => {
    const w = walkForward(save(['-j TSDIAG-USER', '-j TSDIAG-FORWARD'], tsdiagChains, 'DROP'), within);
    expect(w.verdict).toBe('accept');
    expect(w.rule?.text).toBe(`-A TSDIAG-FORWARD -i ${BR} -o ${BR} -j ACCEPT`);
  });
  it('left to the policy when the jump is gone, with the user\'s DROP rules listed as blockers', () => {
    const w = walkForward(save(['-j TSDIAG-USER'], ['[0:0] -A TSDIAG-USER -p tcp -m tcp --dport 6379 -j DROP', ...tsdiagChains], 'DROP'), within);
    expect(w.verdict).toBe('policy');
    expect(w.blockers.map((r) => r.text)).toEqual(['-A TSDIAG-USER -p tcp -m tcp --dport 6379 -j DROP']);
  });
  it('an unconditional REJECT decides', () => {
    expect(walkForward(save([`-i ${BR} -j REJECT --reject-with icmp-host-prohibited`]), within).verdict).toBe('drop');
  });
});

describe('counter moves', () => {
  const a = parseIptablesCounters('*filter\n:FORWARD DROP [5:300]\n[0:0] -A FORWARD -p tcp -j DROP\n[7:70] -A FORWARD -j ACCEPT\nCOMMIT\n');
  const b = parseIptablesCounters('*filter\n:FORWARD DROP [6:360]\n[2:120] -A FORWARD -p tcp -j DROP\n[7:70] -A FORWARD -j ACCEPT\nCOMMIT\n');
  it('names the rules and policies whose counters rose', () => {
    expect(movedRules(a, b)).toEqual([{ table: 'filter', chain: 'FORWARD', position: 1, text: '-A FORWARD -p tcp -j DROP', target: 'DROP', packets: 2 }]);
    expect(movedPolicies(a, b)).toEqual([{ table: 'filter', chain: 'FORWARD', policy: 'DROP', packets: 1 }]);
  });
  it('deletes several rules of one chain from the highest position down', () => {
    expect(deleteRulesCommands([{ table: 'filter', chain: 'X', position: 1 }, { table: 'nat', chain: 'Y', position: 2 }, { table: 'filter', chain: 'X', position: 3 }]))
      .toEqual(['iptables -D X 3', 'iptables -D X 1', 'iptables -t nat -D Y 2']);
  });
});

describe('expected rules', () => {
  const net: InvNetwork = { backend: 'docker', id: 'n', name: 'app', driver: 'bridge', subnet: '172.20.0.0/16', gateway: '172.20.0.1', internal: false, bridge: BR, mtu: 1500, isDefault: false };
  const db = { backend: 'docker', id: 'c', name: 'db', running: true, pid: 1, netnsPath: null, networkMode: 'app', resolvConfPath: null,
    endpoints: [{ network: 'app', networkId: 'n', ipv4: '172.20.0.3', prefixLen: 16, mac: null, aliases: [], hostIf: null }],
    published: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' }] } as InvContainer;
  it('docker: DOCKER-USER, the forward jump of either engine generation, MASQUERADE, DNAT per published port', () => {
    const exp = expectedRules('docker', [net], [db]);
    const present = [
      { table: 'filter', text: '-A FORWARD -j DOCKER-USER' }, { table: 'filter', text: `-A FORWARD -o ${BR} -j DOCKER` },
      { table: 'nat', text: '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER' },
      { table: 'nat', text: `-A DOCKER ! -i ${BR} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.3:80` },
    ];
    expect(missingRules(exp, present).map((m) => m.purpose)).toEqual(['outbound NAT (MASQUERADE) for app 172.20.0.0/16']);
  });
  it('native: the planner\'s rules, exactly', () => {
    const exp = expectedRules('native', [{ ...net, backend: 'native' }], [{ ...db, backend: 'native' }]);
    expect(exp.map((e) => e.rule)).toContain(`-A TSDIAG -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.3:80`);
    expect(exp.map((e) => e.rule)).toContain('-A POSTROUTING -j TSDIAG-POSTROUTING');
  });
});
