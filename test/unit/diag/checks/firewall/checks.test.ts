import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fwBackend, fwChainsIntact, fwForwardPolicy, fwRuleDrop } from '../../../../../src/diag/checks/firewall/checks.js';
import { netavarkExpected } from '../../../../../src/diag/checks/firewall/netavark-expected.js';
import type { InvContainer, InvNetwork } from '../../../../../src/diag/inventory/types.js';

/** Facts recorded from a lab (`doctor web db --json --facts`) with each fault built in. */
function recorded(fault: string, check: string): any {
  const file = path.resolve(import.meta.dirname, `../../../../../fixtures/doctor/fw-kernel-${fault}.json`);
  return structuredClone(JSON.parse(fs.readFileSync(file, 'utf8')).checks[check].facts);
}

describe('fw.forward-policy', () => {
  it('passes on the healthy lab (policy ACCEPT)', () => {
    expect(fwForwardPolicy.judge(recorded('healthy', 'fw.forward-policy'))).toMatchObject({ status: 'pass', summary: 'FORWARD policy ACCEPT' });
  });
  it('S6: fails with the policy counter as evidence; reconcile restores the missing jumps', () => {
    const v = fwForwardPolicy.judge(recorded('s6', 'fw.forward-policy'));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^FORWARD policy DROP and nothing accepts br-[0-9a-f]{12}'s traffic: web -> db is dropped by it$/);
    expect(v.evidence).toContain('-P FORWARD DROP');
    expect(v.evidence.join('\n')).toMatch(/counted [1-9]\d* packet\(s\) during the probe/);
    expect(v.fix).toMatch(/^tsdiag --host-netns \S+ system reconcile$/);
  });
  it('a bridge tsdiag does not manage (nothing to restore) gets the exact iptables ACCEPT', () => {
    const f = { ...recorded('s6', 'fw.forward-policy'), restorable: [], backend: 'docker' };
    expect(fwForwardPolicy.judge(f).fix).toBe(`ip netns exec ${f.hostNetns} iptables -I FORWARD -i ${f.bridge} -o ${f.bridge} -j ACCEPT`);
  });
  it('policy DROP with an ACCEPT for the bridge passes, naming the rule', () => {
    const f = { ...recorded('healthy', 'fw.forward-policy'), policy: 'DROP' };
    expect(fwForwardPolicy.judge(f)).toMatchObject({ status: 'pass' });
    expect(fwForwardPolicy.judge(f).summary).toMatch(/accepted by filter TSDIAG-FORWARD #\d: -A TSDIAG-FORWARD -i (\S+) -o \1 -j ACCEPT/);
  });
  it('policy DROP and nothing accepting fails even when bridged traffic bypasses iptables (routed traffic is lost)', () => {
    const f = { ...recorded('s6', 'fw.forward-policy'), policyPackets: 0, outcome: { ...recorded('healthy', 'fw.rule-drop').outcome } };
    const v = fwForwardPolicy.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/traffic leaving it \(outbound, published ports\) is dropped/);
  });
  it('skips without a shared bridge', () => {
    expect(fwForwardPolicy.judge({ ...recorded('healthy', 'fw.forward-policy'), bridge: null, walk: null }).status).toBe('skip');
  });
});

describe('fw.rule-drop', () => {
  it('passes when no DROP/REJECT counter moved', () => {
    expect(fwRuleDrop.judge(recorded('healthy', 'fw.rule-drop')).status).toBe('pass');
  });
  it('S7: names the rule with table, chain, position and text; the fix deletes it by position', () => {
    const f = recorded('s7', 'fw.rule-drop');
    const v = fwRuleDrop.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('rule #1 of filter TSDIAG-USER drops web -> db: -A TSDIAG-USER -p tcp -m tcp --dport 5432 -j DROP');
    expect(v.evidence.join('\n')).toMatch(/filter TSDIAG-USER #1: .* \[\+\d+ packet\(s\) during the probe\]/);
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} iptables -D TSDIAG-USER 1`);
  });
  it('a REJECT in plain FORWARD (refused connect) and a nat-table rule', () => {
    const base = recorded('s7', 'fw.rule-drop');
    const f = { ...base, outcome: { ...base.outcome, connect: 'refused' }, dropped: [{ table: 'filter', chain: 'FORWARD', position: 3, text: '-A FORWARD -p tcp -m tcp --dport 6000 -j REJECT --reject-with tcp-reset', target: 'REJECT', packets: 1 }] };
    expect(fwRuleDrop.judge(f)).toMatchObject({ status: 'fail', fix: `ip netns exec ${base.hostNetns} iptables -D FORWARD 3` });
    expect(fwRuleDrop.judge(f).summary).toMatch(/^rule #3 of filter FORWARD rejects web -> db/);
    const nat = { ...f, hostNetns: null, dropped: [{ ...f.dropped[0], table: 'mangle', chain: 'PREROUTING', position: 2 }] };
    expect(fwRuleDrop.judge(nat).fix).toBe('iptables -t mangle -D PREROUTING 2');
  });
  it('a moved DROP while the traffic got through is a warning', () => {
    const s7 = recorded('s7', 'fw.rule-drop');
    expect(fwRuleDrop.judge({ ...s7, outcome: recorded('healthy', 'fw.rule-drop').outcome }).status).toBe('warn');
  });
  it('isolation between networks is not a rule to delete', () => {
    const s7 = recorded('s7', 'fw.rule-drop');
    const v = fwRuleDrop.judge({ ...s7, dropped: [{ ...s7.dropped[0], chain: 'TSDIAG-ISOLATION-STAGE-2', text: '-A TSDIAG-ISOLATION-STAGE-2 -o br-x -j DROP' }] });
    expect(v).toMatchObject({ status: 'fail', fix: null });
  });
});

describe('fw.chains-intact', () => {
  it('passes with every needed rule present', () => {
    expect(fwChainsIntact.judge(recorded('healthy', 'fw.chains-intact')).summary).toMatch(/^all \d+ rules the networks need are present$/);
  });
  it('S8: the flushed POSTROUTING jump is named with what it strands (MASQUERADE); fix: reconcile', () => {
    const v = fwChainsIntact.judge(recorded('s8', 'fw.chains-intact'));
    expect(v.status).toBe('fail');
    expect(v.evidence[0]).toBe('missing: -t nat -A POSTROUTING -j TSDIAG-POSTROUTING  (jump POSTROUTING -> TSDIAG-POSTROUTING)');
    expect(v.evidence[1]).toMatch(/never reaches TSDIAG-POSTROUTING: outbound NAT \(MASQUERADE\) for 172\.\d+\.0\.0\/16/);
    expect(v.fix).toMatch(/system reconcile$/);
  });
  it('a missing DNAT for a published port; docker backends are told to restart the engine', () => {
    const f = recorded('healthy', 'fw.chains-intact');
    f.present = f.present.filter((p: any) => !/-j DNAT/.test(p.text));
    expect(fwChainsIntact.judge(f).summary).toMatch(/published port 5432 -> 172\.\d+\.\d+\.\d+:5432 \(DNAT\)/);
    expect(fwChainsIntact.judge({ ...f, backend: 'docker' }).fix).toBe('systemctl restart docker');
  });
  it('TSDIAG-USER jumped to after TSDIAG-FORWARD: user rules are skipped; the fix moves the jump', () => {
    const f = recorded('healthy', 'fw.chains-intact');
    const user = f.present.findIndex((p: any) => p.text === '-A FORWARD -j TSDIAG-USER');
    f.present.splice(f.present.findIndex((p: any) => p.text === '-A FORWARD -j TSDIAG-FORWARD') + 1, 0, f.present.splice(user, 1)[0]);
    const v = fwChainsIntact.judge(f);
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} iptables -D FORWARD -j TSDIAG-USER && ip netns exec ${f.hostNetns} iptables -I FORWARD 1 -j TSDIAG-USER`);
  });
});

describe('fw.chains-intact on netavark', () => {
  const net = (name: string, subnet: string): InvNetwork => ({ backend: 'podman', id: name, name, driver: 'bridge', subnet, gateway: null, internal: false, bridge: `${name}0`, mtu: null, isDefault: false });
  const ctr = (name: string, network: string): InvContainer => ({ backend: 'podman', id: name, name, running: true, pid: 1, netnsPath: null, networkMode: network, endpoints: [], published: [], resolvConfPath: null });
  const networks = [net('a', '10.89.0.0/24'), net('b', '10.89.1.0/24')];
  const containers = [ctr('web', 'a'), ctr('db', 'b')].map((c) => ({ ...c, endpoints: [{ network: c.networkMode, networkId: c.networkMode, ipv4: null, prefixLen: null, mac: null, aliases: [], hostIf: null }] }));
  const present = [
    { table: 'filter', text: '-A FORWARD -j NETAVARK_FORWARD' },
    ...networks.flatMap((n) => [
      { table: 'filter', text: `-A NETAVARK_FORWARD -d ${n.subnet} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` },
      { table: 'filter', text: `-A NETAVARK_FORWARD -s ${n.subnet} -j ACCEPT` },
    ]),
    // netavark inserts each new network's jump above the others
    { table: 'nat', text: '-A POSTROUTING -s 10.89.1.0/24 -j NETAVARK-1D8721804F16F' },
    { table: 'nat', text: '-A POSTROUTING -s 10.89.0.0/24 -j NETAVARK-2F259BAB93AAA' },
    { table: 'nat', text: '-A NETAVARK-1D8721804F16F ! -d 224.0.0.0/4 -j MASQUERADE' },
  ];
  it("networks' POSTROUTING jumps in any order pass: only a user chain's jump must come first", () => {
    const f = { ...recorded('healthy', 'fw.chains-intact'), backend: 'podman', expected: netavarkExpected(networks, containers), present };
    expect(fwChainsIntact.judge(f)).toMatchObject({ status: 'pass' });
  });
});

describe('fw.backend', () => {
  it('passes with nothing in iptables-legacy', () => {
    expect(fwBackend.judge(recorded('healthy', 'fw.backend'))).toMatchObject({ status: 'pass', summary: 'no rules in iptables-legacy: all are in iptables-nft' });
  });
  it('S9: names the legacy rule whose counter moved and the backend; fix: iptables-legacy -D', () => {
    const f = recorded('s9', 'fw.backend');
    const v = fwBackend.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('iptables-legacy drops web -> db, out of sight of iptables-nft that tsdiag reads: filter FORWARD #1: -A FORWARD -p tcp -m tcp --dport 5432 -j DROP');
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} iptables-legacy -D FORWARD 1`);
  });
  it('a legacy DROP the probe did not meet, and a legacy policy DROP, are warnings with their fix', () => {
    const f = recorded('s9', 'fw.backend');
    f.otherRules[0].moved = 0;
    f.otherDropPolicies = [{ table: 'filter', chain: 'FORWARD', moved: 0 }];
    const v = fwBackend.judge(f);
    expect(v.status).toBe('warn');
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} iptables-legacy -D FORWARD 1 && ip netns exec ${f.hostNetns} iptables-legacy -P FORWARD ACCEPT`);
  });
  it('legacy rules that cannot drop pass; a missing iptables-legacy is a skip that says so', () => {
    const f = recorded('s9', 'fw.backend');
    f.otherRules[0].target = 'ACCEPT';
    expect(fwBackend.judge(f).status).toBe('pass');
    expect(fwBackend.judge({ ...f, otherInstalled: false, otherRules: [] }).summary).toBe('iptables-legacy is not installed: every rule is in iptables-nft');
  });
});
