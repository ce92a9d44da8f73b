import { describe, expect, it } from 'vitest';
import { fwBackend, fwRuleDrop } from '../../../../../src/diag/checks/firewall/checks.js';
import type { BackendFacts } from '../../../../../src/diag/checks/firewall/backend.js';
import type { RuleDropFacts } from '../../../../../src/diag/checks/firewall/rule-drop.js';

/**
 * ip6tables' counters as the only account of an IPv6 drop: iptables-legacy as
 * the host's backend (its rules are not nf_tables, nftrace cannot name them),
 * and ip6tables-legacy rules beside iptables-nft (fw.backend).
 */
const W6 = 'fd00:76:1::3';
const D6 = 'fd00:76:1::2';
const rule = `-A FORWARD -s ${W6}/128 -d ${D6}/128 -j DROP`;
const outcome6 = { from: 'web', to: 'db', addr: D6, port: 5432, pingAlive: false, connect: 'timeout' as const };
const move = { table: 'filter', chain: 'FORWARD', position: 1, text: rule, target: 'DROP', packets: 2 };

describe('fw.rule-drop: ip6tables counters where the backend in use is legacy', () => {
  const facts: RuleDropFacts = {
    backend: 'docker', hostNetns: 'h', pids: { web: 10, db: 11 }, bridge: 'br-x', outcome: outcome6, dropped: [], dropped6: [move], blockingRules: 1,
    trace: null, traced: [],
  };

  it('names the ip6tables rule whose counter took the IPv6 probe, with its family, and deletes it with ip6tables', () => {
    const v = fwRuleDrop.judge(facts);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`db answers over IPv4 but not IPv6 (${D6}): rule #1 of ip6tables filter FORWARD drops web -> db: ${rule}`);
    expect(v.evidence).toContain(`ip6tables filter FORWARD #1: ${rule}  [+2 packet(s) during the probe] (named by counters)`);
    expect(v.fix).toBe('ip netns exec h ip6tables -D FORWARD 1');
  });

  it('a rule nftrace already named (the same family, table, chain, position) is not told twice', () => {
    const traced = { method: 'nftrace' as const, where: 'host', kind: 'rule' as const, family: 'ip6', table: 'filter', chain: 'FORWARD', handle: 7, text: 'drop',
      verb: 'drops' as const, iptables: { position: 1, text: rule }, packets: null, hook: 'forward' };
    const v = fwRuleDrop.judge({ ...facts, traced: [traced] });
    expect(v.evidence.filter((e) => e.includes(rule))).toEqual([`ip6tables filter FORWARD #1: ${rule}  [named by nftrace]`]);
  });

  it('the probe got through though an ip6tables rule counted some of it: a warning with the ip6tables delete', () => {
    const v = fwRuleDrop.judge({ ...facts, outcome: { ...outcome6, pingAlive: true, connect: 'open' } });
    expect(v.status).toBe('warn');
    expect(v.summary).toBe(`ip6tables filter FORWARD #1: ${rule} drops some of the probe's packets, yet the traffic got through`);
    expect(v.fix).toBe('ip netns exec h ip6tables -D FORWARD 1');
  });
});

describe('fw.backend: ip6tables-legacy beside iptables-nft', () => {
  const facts: BackendFacts = {
    backend: 'docker', hostNetns: 'h', outcome: outcome6, inUse: 'nft', other: 'legacy', otherInstalled: true, otherRules: [], otherDropPolicies: [],
    other6: { rules: [{ ...move, moved: 2 }], dropPolicies: [] },
  };

  it('a legacy ip6tables DROP that took the IPv6 probe fails, named with binary and family', () => {
    const v = fwBackend.judge(facts);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`ip6tables-legacy drops web -> db over IPv6, out of sight of iptables-nft that tsdiag reads: filter FORWARD #1: ${rule}`);
    expect(v.fix).toBe('ip netns exec h ip6tables-legacy -D FORWARD 1');
  });

  it('legacy ip6tables rules that drop nothing pass; none at all passes as before', () => {
    expect(fwBackend.judge({ ...facts, other6: { rules: [{ ...move, target: 'ACCEPT', text: '-A FORWARD -j ACCEPT', moved: 0 }], dropPolicies: [] } }))
      .toMatchObject({ status: 'pass', summary: 'iptables-legacy and ip6tables-legacy hold 1 rule(s), none of them drops' });
    expect(fwBackend.judge({ ...facts, other6: { rules: [], dropPolicies: [] } })).toMatchObject({ status: 'pass', summary: 'no rules in iptables-legacy: all are in iptables-nft' });
  });

  it('a legacy ip6tables FORWARD policy DROP that did not take the probe warns with its reset', () => {
    const v = fwBackend.judge({ ...facts, outcome: { ...outcome6, pingAlive: true, connect: 'open' }, other6: { rules: [], dropPolicies: [{ table: 'filter', chain: 'FORWARD', moved: 0 }] } });
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('rules are split: ip6tables-legacy holds 1 DROP/REJECT rule(s) or policies that iptables-nft does not show');
    expect(v.fix).toBe('ip netns exec h ip6tables-legacy -P FORWARD ACCEPT');
  });
});
