import { describe, expect, it } from 'vitest';
import { matchRule, walkChain, walkHook, type Packet } from '../../../../../src/diag/checks/firewall/evaluator.js';
import { iptablesRule, iptablesTable } from '../../../../../src/diag/checks/firewall/iptables-rules.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';

const save = (chains: string[], rules: string[]) => parseIptablesCounters(['*filter', ...chains, ...rules.map((r) => `[0:0] ${r}`), 'COMMIT', ''].join('\n'));
const BUILTIN = [':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ':A - [0:0]', ':B - [0:0]'];
const syn: Packet = { family: 'ip', proto: 'tcp', saddr: '10.0.0.2', daddr: '10.0.0.3', sport: 40000, dport: 5432, in: 'br0', out: 'br0', ctstate: ['NEW'] };
const rule = (text: string) => iptablesRule({ table: 'filter', chain: 'FORWARD', position: 1, packets: 0, bytes: 0, text: `-A FORWARD ${text}`, target: null }, new Set(['A']));

describe('the rule evaluator', () => {
  it('reads iptables matches: protocol, addresses, ports, states, interfaces; what it does not know is a maybe', () => {
    expect(matchRule(rule('-s 10.0.0.0/24 -d 10.0.0.3/32 -p tcp -m tcp --dport 5000:6000 -j DROP'), syn)).toBe('yes');
    expect(matchRule(rule('-p udp -j DROP'), syn)).toBe('no');
    expect(matchRule(rule('-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'), syn)).toBe('no');
    expect(matchRule(rule('-m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP'), syn)).toBe('yes');
    expect(matchRule(rule('-p tcp -m multiport --dports 22,80 -j DROP'), syn)).toBe('no');
    expect(matchRule(rule('-m mark --mark 0x1 -j DROP'), syn)).toBe('maybe');
    expect(matchRule(rule('-i br+ -p 6 -j DROP'), syn)).toBe('yes');
    expect(matchRule(rule('-p tcp --dport 22 -j DROP'), { family: 'ip', in: 'br0', out: 'br0' })).toBe('maybe');
    expect(rule('-g A').action).toEqual({ kind: 'goto', chain: 'A' });
    expect(rule('-j LOG --log-prefix "x y"').action).toEqual({ kind: 'continue' });
  });

  it('follows jumps and returns; a goto returns to the chain that called its caller', () => {
    const t = iptablesTable(save(BUILTIN, ['-A FORWARD -j A', '-A FORWARD -j ACCEPT', '-A A -j RETURN', '-A A -j DROP']));
    expect(walkChain(t, 'FORWARD', syn).verdict).toBe('accept');
    const g = iptablesTable(save(BUILTIN, ['-A FORWARD -j A', '-A FORWARD -p tcp -j REJECT', '-A A -g B', '-A A -j ACCEPT', '-A B -p udp -j DROP']));
    const w = walkChain(g, 'FORWARD', syn);
    expect([w.verdict, w.rule?.source.text]).toEqual(['reject', '-A FORWARD -p tcp -j REJECT']);
  });

  it("counts a maybe as the caller says: uncertain (listed in met, decides nothing) or matching", () => {
    const t = iptablesTable(save(BUILTIN, ['-A FORWARD -m mark --mark 0x1 -j DROP', '-A FORWARD -m mark --mark 0x2 -j ACCEPT']));
    const uncertain = walkChain(t, 'FORWARD', syn);
    expect([uncertain.verdict, uncertain.policy, uncertain.met.length]).toEqual(['policy', 'drop', 1]);
    expect(walkChain(t, 'FORWARD', syn, { maybe: 'match' }).verdict).toBe('drop');
  });

  it('a hook hands an accepted packet to its next base chain; a drop ends it', () => {
    const first = iptablesTable(save(BUILTIN, ['-A INPUT -j ACCEPT']));
    const second = iptablesTable(save([':INPUT DROP [0:0]'], ['-A INPUT -p tcp --dport 22 -j ACCEPT']));
    const w = walkHook([{ table: first, chain: 'INPUT' }, { table: second, chain: 'INPUT' }], syn);
    expect([w.verdict, w.policy, w.table]).toEqual(['policy', 'drop', second]);
    expect(walkHook([{ table: first, chain: 'INPUT' }], syn).verdict).toBe('accept');
  });
});
