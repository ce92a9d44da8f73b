import { describe, expect, it } from 'vitest';
import { kernelIpForward, type IpForwardFacts } from '../../../../../src/diag/checks/kernel/kernel.js';

const facts = (forwarding6: string | null): IpForwardFacts => ({
  backend: 'native', hostNetns: 'lab', from: 'web', to: 'db', ipForward: '1',
  interfaces: [{ ifname: 'br-app', role: 'bridge of app', value: '1' }], sharedBridge: 'br-app',
  routed: ['outbound NAT from app (172.18.0.0/16)'],
  ipv6: { forwarding: forwarding6, routed: ['outbound NAT from app (fd00:1::/64)'] },
});

describe('kernel.ip-forward for IPv6', () => {
  it('passes with both families forwarding', () => {
    expect(kernelIpForward.judge(facts('1'))).toMatchObject({ status: 'pass', summary: 'IPv4 forwarding is on (also on br-app); IPv6 forwarding is on' });
  });
  it('IPv6 forwarding off is named with its sysctl; the bridged pair still works', () => {
    const v = kernelIpForward.judge(facts('0'));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^IPv6 forwarding is off in the host namespace \(net\.ipv6\.conf\.all\.forwarding = 0\) while IPv4 forwards/);
    expect(v.fix).toBe('ip netns exec lab sysctl -w net.ipv6.conf.all.forwarding=1');
    expect(v.evidence).toContain('web -> db is bridged on br-app, not forwarded: it still works over IPv6');
    expect(v.evidence.join('\n')).toContain('outbound NAT from app (fd00:1::/64)');
  });
  it('an IPv4-only run says nothing of IPv6', () => {
    const { ipv6: _, ...v4only } = facts('0');
    expect(kernelIpForward.judge(v4only).status).toBe('pass');
  });
});
