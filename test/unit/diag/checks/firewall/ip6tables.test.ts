import { describe, expect, it } from 'vitest';
import { fwChainsIntact, fwForwardPolicy } from '../../../../../src/diag/checks/firewall/checks.js';
import { chainsFacts } from '../../../../../src/diag/checks/firewall/chains-intact.js';
import { expectedRules } from '../../../../../src/diag/checks/firewall/expected.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';
import fs from 'node:fs';
import path from 'node:path';
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

/** Facts recorded from a lab (`doctor web db --json --facts`). */
function recorded(fault: string, check: string): any {
  const file = path.resolve(import.meta.dirname, `../../../../../fixtures/doctor/fw-kernel-${fault}.json`);
  return structuredClone(JSON.parse(fs.readFileSync(file, 'utf8')).checks[check].facts);
}

describe('fw.forward-policy over ip6tables', () => {
  const healthy = recorded('healthy', 'fw.forward-policy');
  const v6 = (over: object) => ({ policy: 'ACCEPT', listing: ['-P FORWARD ACCEPT'], walk: { verdict: 'policy', rule: null }, policyPackets: 0, restorable: [], ...over });
  const over6 = { ...healthy.outcome, addr: 'fd00:30::3', pingAlive: false, connect: 'timeout' };

  it('both policies ACCEPT: both said', () => {
    expect(fwForwardPolicy.judge({ ...healthy, ipv6: v6({}) })).toMatchObject({ status: 'pass', summary: 'FORWARD policy ACCEPT; ip6tables FORWARD policy ACCEPT' });
  });

  it('ip6tables policy DROP that took the IPv6 probe, nothing accepting: fails naming ip6tables and IPv6; reconcile restores the jumps', () => {
    const f = { ...healthy, outcome: over6, ipv6: v6({ policy: 'DROP', listing: ['-P FORWARD DROP'], policyPackets: 2, restorable: ['-A FORWARD -j TSDIAG-USER', '-A FORWARD -j TSDIAG-FORWARD'] }) };
    const v = fwForwardPolicy.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`ip6tables FORWARD policy DROP and nothing accepts ${f.bridge}'s IPv6 traffic: web -> db over IPv6 is dropped by it`);
    expect(v.evidence).toEqual(expect.arrayContaining(['ip6tables -P FORWARD DROP', 'ip6tables FORWARD policy DROP counted 2 packet(s) during the probe',
      'missing: ip6tables -A FORWARD -j TSDIAG-FORWARD']));
    expect(v.fix).toBe(`tsdiag --host-netns ${f.hostNetns} system reconcile`);
  });

  it('nothing restorable: the fix accepts the bridge in ip6tables', () => {
    const v = fwForwardPolicy.judge({ ...healthy, outcome: over6, ipv6: v6({ policy: 'DROP', policyPackets: 1 }) });
    expect(v.fix).toBe(`ip netns exec ${healthy.hostNetns} ip6tables -I FORWARD -i ${healthy.bridge} -o ${healthy.bridge} -j ACCEPT`);
  });

  it('ip6tables policy DROP that took packets while the pair\'s IPv6 traffic is accepted (netavark accepts by subnet): warns, the bridge accept fixes', () => {
    const rule = 'ip6tables filter NETAVARK_FORWARD #2: -A NETAVARK_FORWARD -s fd00:30::/64 -j ACCEPT';
    const v = fwForwardPolicy.judge({ ...healthy, backend: 'podman', ipv6: v6({ policy: 'DROP', policyPackets: 3, walk: { verdict: 'accept', rule } }) });
    expect(v.status).toBe('warn');
    expect(v.summary).toBe(`ip6tables FORWARD policy DROP, but ${healthy.bridge}'s IPv6 traffic is accepted by ${rule}; the policy still took 3 packet(s) during the probe `
      + 'that no rule accepts: link-local neighbour discovery or multicast on the bridge, or traffic leaving it');
    expect(v.fix).toBe(`ip netns exec ${healthy.hostNetns} ip6tables -I FORWARD -i ${healthy.bridge} -o ${healthy.bridge} -j ACCEPT`);
  });

  it('ip6tables policy DROP with the bridge accepted: passes; the IPv4 verdict is kept when only IPv4 fails', () => {
    const accepted = v6({ policy: 'DROP', walk: { verdict: 'accept', rule: 'filter TSDIAG-FORWARD #5: -A TSDIAG-FORWARD -i br -o br -j ACCEPT' } });
    expect(fwForwardPolicy.judge({ ...healthy, ipv6: accepted }).summary).toMatch(/; ip6tables FORWARD policy DROP, but \S+'s IPv6 traffic is accepted by filter TSDIAG-FORWARD #5/);
    const s6 = recorded('s6', 'fw.forward-policy');
    const v = fwForwardPolicy.judge({ ...s6, ipv6: accepted });
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^FORWARD policy DROP and nothing accepts \S+'s traffic: /);
    expect(v.fix).toMatch(/system reconcile$/);
  });
});
