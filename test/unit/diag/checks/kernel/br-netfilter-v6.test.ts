import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelBrNetfilter } from '../../../../../src/diag/checks/kernel/kernel.js';

/** Facts recorded from a lab (`doctor web db --json --facts`), with the IPv6 side of a dual-stack pair added. */
function recorded(fault: string): any {
  const file = path.resolve(import.meta.dirname, `../../../../../fixtures/doctor/fw-kernel-${fault}.json`);
  return structuredClone(JSON.parse(fs.readFileSync(file, 'utf8')).checks['kernel.br-netfilter'].facts);
}
const v6 = (over: object) => ({ callIptables: '1', bridgedBlockers: [], forwardPolicy: 'ACCEPT', policyPackets: 0, ...over });

describe('kernel.br-netfilter over IPv6 (bridge-nf-call-ip6tables)', () => {
  const healthy = recorded('healthy');
  const over6 = { ...healthy.outcome, addr: 'fd00:30::3', pingAlive: false, connect: 'timeout' };

  it('both families through their tables: passes saying both', () => {
    const v = kernelBrNetfilter.judge({ ...healthy, ipv6: v6({}) });
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/goes through iptables \(bridge-nf-call-iptables = 1\), as the rules expect; IPv6 traffic within \S+ goes through ip6tables \(bridge-nf-call-ip6tables = 1\)/);
    expect(v.evidence).toContain('net.bridge.bridge-nf-call-ip6tables = 1');
  });

  it('bridge-nf-call-ip6tables = 0 with an ip6tables DROP meant for the bridge: a warning naming the rule and the sysctl', () => {
    const rule = 'filter TSDIAG-USER #1: -A TSDIAG-USER -d fd00:30::3/128 -p tcp -m tcp --dport 5432 -j DROP';
    const v = kernelBrNetfilter.judge({ ...healthy, ipv6: v6({ callIptables: '0', bridgedBlockers: [rule] }) });
    expect(v.status).toBe('warn');
    expect(v.summary).toMatch(/^IPv6 traffic within \S+ bypasses ip6tables \(bridge-nf-call-ip6tables = 0\): 1 DROP\/REJECT rule\(s\) meant for it are never applied$/);
    expect(v.evidence).toContain(`not enforced: ip6tables ${rule}`);
    expect(v.fix).toBe(`ip netns exec ${healthy.hostNetns} sysctl -w net.bridge.bridge-nf-call-ip6tables=1`);
    expect(kernelBrNetfilter.judge({ ...healthy, ipv6: v6({ callIptables: '0' }) }).status).toBe('pass');
  });

  it('IPv6 handed to ip6tables and dropped by its FORWARD policy: fails with the ip6tables ACCEPT for the bridge', () => {
    const v = kernelBrNetfilter.judge({ ...healthy, outcome: over6, ipv6: v6({ forwardPolicy: 'DROP', policyPackets: 3 }) });
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^IPv6 traffic within \S+ is handed to ip6tables \(bridge-nf-call-ip6tables = 1\) and dropped by ip6tables FORWARD policy DROP: web -> db over IPv6 fails$/);
    expect(v.fix).toBe(`ip netns exec ${healthy.hostNetns} ip6tables -I FORWARD -i ${healthy.bridge} -o ${healthy.bridge} -j ACCEPT`);
  });

  it('the IPv4 failure is kept beside a passing IPv6', () => {
    const s6 = recorded('s6');
    const v = kernelBrNetfilter.judge({ ...s6, ipv6: v6({}) });
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`ip netns exec ${s6.hostNetns} iptables -I FORWARD -i ${s6.bridge} -o ${s6.bridge} -j ACCEPT`);
  });
});
