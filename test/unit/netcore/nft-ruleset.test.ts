import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules, deleteRuleArgs, findRule, parseRuleset } from '../../../src/netcore/kernel/nft/ruleset.js';

// recorded from nft 1.0.6 on kernel 6.18: native inet/bridge/netdev/ip6 tables, a dormant one, a set, a jump, and iptables-nft's filter/nat/raw
const fixture = (name: string) => fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/nft', name), 'utf8');
const ruleset = parseRuleset(fixture('ruleset.json'), fixture('ruleset.txt'));

describe('nft ruleset parser', () => {
  it('reads every table of every family, with handles and flags', () => {
    expect(ruleset.tables.map((t) => `${t.family} ${t.name} ${t.handle}`)).toEqual([
      'inet f 1', 'ip filter 2', 'bridge br 5', 'netdev nd 6', 'ip6 six 7', 'inet dorm 8', 'ip nat 9', 'ip raw 10',
    ]);
    expect(ruleset.tables.find((t) => t.name === 'dorm')!.flags).toEqual(['dormant']);
    expect(ruleset.tables.find((t) => t.name === 'f')!.flags).toEqual([]);
  });

  it('tells base chains (hook, priority, type, policy, devices) from regular ones', () => {
    const f = ruleset.tables.find((t) => t.name === 'f')!;
    expect(f.chains.map((c) => [c.name, c.base, c.hook, c.priority, c.type, c.policy])).toEqual([
      ['input', true, 'input', 0, 'filter', 'accept'],
      ['sub', false, null, null, null, null],
    ]);
    const ing = ruleset.tables.find((t) => t.family === 'netdev')!.chains[0]!;
    expect([ing.hook, ing.priority, ing.devices]).toEqual(['ingress', -500, ['vb']]);
    expect(ruleset.tables.find((t) => t.name === 'six')!.chains[0]!.policy).toBe('drop');
    expect(ruleset.tables.find((t) => t.name === 'raw')!.chains[0]!.priority).toBe(-300);
  });

  it('gives each rule its position, text, expressions and counter', () => {
    const input = ruleset.tables.find((t) => t.name === 'f')!.chains[0]!.rules;
    expect(input.map((r) => [r.position, r.handle, r.text])).toEqual([
      [0, 7, 'ct state established,related accept'],
      [1, 2, 'tcp dport 80 counter packets 2 bytes 120 drop'],
      [2, 5, 'ip saddr @blocked jump sub'],
    ]);
    expect(input[1]!.counter).toEqual({ packets: 2, bytes: 120 });
    expect(input[0]!.counter).toBeNull();
    expect(input[1]!.expr).toContainEqual({ drop: null });
    const br = findRule(ruleset, { family: 'bridge', table: 'br', chain: 'forward', handle: 2 })!;
    expect([br.text, br.comment]).toEqual(['ip daddr 10.9.0.9 counter packets 0 bytes 0 drop comment "block 9"', 'block 9']);
  });

  it('holds iptables-nft rules as nf_tables rules', () => {
    const raw = findRule(ruleset, { family: 'ip', table: 'raw', chain: 'PREROUTING', handle: 2 })!;
    expect(raw.text).toBe('iifname != "vb" ip daddr 10.9.0.2 counter packets 0 bytes 0 drop');
    expect(findRule(ruleset, { family: 'ip', table: 'filter', chain: 'DOCKER-USER', handle: 4 })!.text).toBe('counter packets 0 bytes 0 return');
    expect(allRules(ruleset).every((r) => r.text !== '')).toBe(true);
  });

  it('reads an empty ruleset', () => {
    expect(parseRuleset('{"nftables": [{"metainfo": {"version": "1.0.6"}}]}', '')).toEqual({ tables: [] });
  });
});

describe('nft delete rule', () => {
  it('is an argument array', () => {
    expect(deleteRuleArgs({ family: 'ip', table: 'filter', chain: 'DOCKER-USER', handle: 4 })).toEqual(['delete', 'rule', 'ip', 'filter', 'DOCKER-USER', 'handle', '4']);
  });

  it('refuses names and handles that are no nft identifiers', () => {
    expect(() => deleteRuleArgs({ family: 'ipx', table: 'f', chain: 'c', handle: 1 })).toThrow(/family/);
    expect(() => deleteRuleArgs({ family: 'inet', table: 'f;flush ruleset', chain: 'c', handle: 1 })).toThrow(/table/);
    expect(() => deleteRuleArgs({ family: 'inet', table: 'f', chain: '-c', handle: 1 })).toThrow(/chain/);
    expect(() => deleteRuleArgs({ family: 'inet', table: 'f', chain: 'c', handle: 0 })).toThrow(/handle/);
  });
});
