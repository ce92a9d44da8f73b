import { describe, expect, it } from 'vitest';
import { fwChainsIntact } from '../../../../../src/diag/checks/firewall/checks.js';
import { chainsFacts } from '../../../../../src/diag/checks/firewall/chains-intact.js';
import { expectedRules } from '../../../../../src/diag/checks/firewall/expected.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';
import type { InvContainer, InvNetwork } from '../../../../../src/diag/inventory/types.js';

/** A native dual-stack network `app` (br-app) with web and db, as netcore writes its iptables and ip6tables chains. */
const app: InvNetwork = {
  backend: 'native', id: 'app', name: 'app', driver: 'bridge', subnet: '172.30.0.0/16', gateway: '172.30.0.1',
  subnet6: 'fd00:30::/64', gateway6: 'fd00:30::1', internal: false, bridge: 'br-app', mtu: 1500, isDefault: false,
};
const ctr = (name: string, n: number): InvContainer => ({
  backend: 'native', id: name, name, running: true, pid: 1, netnsPath: null, networkMode: 'app', published: [], resolvConfPath: null,
  endpoints: [{ network: 'app', networkId: 'app', ipv4: `172.30.0.${n}`, prefixLen: 16, ipv6: `fd00:30::${n}`, prefixLen6: 64, mac: null, aliases: [], hostIf: null }],
});
const containers = [ctr('web', 2), ctr('db', 3)];
const target = { backend: 'native' as const, hostNetns: 'tsb' };

/** iptables-save -c text holding the given rules (filter and nat), every chain they name declared. */
function saved(rules: Array<{ table: string; rule: string }>, policy = 'ACCEPT'): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat']) {
    const own = rules.filter((r) => r.table === table).map((r) => r.rule);
    const builtins = table === 'filter' ? ['INPUT', 'FORWARD', 'OUTPUT'] : ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'];
    const chains = [...new Set(own.map((r) => r.split(' ')[1]!))].filter((c) => !builtins.includes(c));
    out.push(`*${table}`, ...builtins.map((c) => `:${c} ${c === 'FORWARD' ? policy : 'ACCEPT'} [0:0]`), ...chains.map((c) => `:${c} - [0:0]`),
      ...own.map((r) => `[0:0] ${r}`), 'COMMIT');
  }
  return `${out.join('\n')}\n`;
}

describe('fw.chains-intact over ip6tables', () => {
  const expected = expectedRules('native', [app], containers);
  const of = (family: 4 | 6) => expected.filter((e) => (e.family ?? 4) === family).map((e) => ({ table: e.table, rule: e.rule }));

  it('expects the ip6tables chains of a dual-stack network beside the iptables ones, with the IPv6 subnet and ::1', () => {
    expect(of(6).length).toBeGreaterThan(5);
    expect(of(6)).toContainEqual({ table: 'nat', rule: '-A POSTROUTING -j TSDIAG-POSTROUTING' });
    expect(of(6)).toContainEqual({ table: 'nat', rule: '-A TSDIAG-POSTROUTING -s fd00:30::/64 ! -o br-app -j MASQUERADE' });
    expect(of(6)).toContainEqual({ table: 'nat', rule: '-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j TSDIAG' });
    expect(expectedRules('native', [{ ...app, subnet6: null, gateway6: null }], containers).some((e) => e.family === 6)).toBe(false);
  });

  it('passes with both families present', () => {
    const f = chainsFacts(target, expected, parseIptablesCounters(saved(of(4))), null, [], parseIptablesCounters(saved(of(6))));
    expect(fwChainsIntact.judge(f)).toMatchObject({ status: 'pass', summary: `all ${expected.length} rules the networks need are present` });
  });

  it('an ip6tables chain flushed: named as ip6tables rules, with what the missing jump strands; the fix is reconcile', () => {
    const flushed = of(6).filter((r) => !r.rule.startsWith('-A TSDIAG-POSTROUTING '));
    const f = chainsFacts(target, expected, parseIptablesCounters(saved(of(4))), null, [], parseIptablesCounters(saved(flushed)));
    const v = fwChainsIntact.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('1 of 38 rules the networks need are missing: outbound NAT (MASQUERADE) for fd00:30::/64 (ip6tables)'.replace('38', String(expected.length)));
    expect(v.evidence).toEqual(['missing: ip6tables -t nat -A TSDIAG-POSTROUTING -s fd00:30::/64 ! -o br-app -j MASQUERADE  (outbound NAT (MASQUERADE) for fd00:30::/64 (ip6tables))']);
    expect(v.fix).toBe('tsdiag --host-netns tsb system reconcile');
  });

  it('the ip6tables FORWARD jump gone: the IPv4 one does not stand in for it', () => {
    const f = chainsFacts(target, expected, parseIptablesCounters(saved(of(4))), null, [],
      parseIptablesCounters(saved(of(6).filter((r) => r.rule !== '-A FORWARD -j TSDIAG-FORWARD'))));
    const v = fwChainsIntact.judge(f);
    expect(v.evidence[0]).toBe('missing: ip6tables -A FORWARD -j TSDIAG-FORWARD  (jump FORWARD -> TSDIAG-FORWARD (ip6tables))');
    expect(v.evidence[1]).toMatch(/^ {2}so FORWARD never reaches TSDIAG-FORWARD: .*accept -i br-app -o br-app \(ip6tables\)$/);
  });

  it('TSDIAG-USER after TSDIAG-FORWARD in ip6tables: the fix moves it with ip6tables', () => {
    const rules6 = of(6);
    const user = rules6.findIndex((r) => r.rule === '-A FORWARD -j TSDIAG-USER');
    const [jump] = rules6.splice(user, 1);
    rules6.splice(rules6.findIndex((r) => r.rule === '-A FORWARD -j TSDIAG-FORWARD') + 1, 0, jump!);
    const v = fwChainsIntact.judge(chainsFacts(target, expected, parseIptablesCounters(saved(of(4))), null, [], parseIptablesCounters(saved(rules6))));
    expect(v.fix).toBe('ip netns exec tsb ip6tables -D FORWARD -j TSDIAG-USER && ip netns exec tsb ip6tables -I FORWARD 1 -j TSDIAG-USER');
  });
});
