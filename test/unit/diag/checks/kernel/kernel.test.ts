import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelBrNetfilter, kernelIpForward } from '../../../../../src/diag/checks/kernel/kernel.js';

/** Facts recorded from a lab (`doctor web db --json --facts`) with each fault built in. */
function recorded(fault: string, check: string): any {
  const file = path.resolve(import.meta.dirname, `../../../../../fixtures/doctor/fw-kernel-${fault}.json`);
  return structuredClone(JSON.parse(fs.readFileSync(file, 'utf8')).checks[check].facts);
}

describe('kernel.ip-forward', () => {
  it('passes with forwarding on, globally and on the bridge and uplink', () => {
    const v = kernelIpForward.judge(recorded('healthy', 'kernel.ip-forward'));
    expect(v.status).toBe('pass');
    expect(v.evidence[0]).toBe('net.ipv4.ip_forward = 1');
  });
  it('S10: fails on the sysctl itself, saying the bridged pair still works and what breaks', () => {
    const f = recorded('s10', 'kernel.ip-forward');
    const v = kernelIpForward.judge(f);
    expect(v.status).toBe('fail');
    expect(v.evidence.join('\n')).toMatch(/web -> db is bridged on br-\w+, not forwarded: it still works/);
    expect(v.evidence.join('\n')).toMatch(/routed, so broken: outbound NAT from app .*published port 0\.0\.0\.0:5432\/tcp -> db:5432/);
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} sysctl -w net.ipv4.ip_forward=1`);
  });
  it('forwarding off on one interface only: the per-interface fix', () => {
    const f = recorded('healthy', 'kernel.ip-forward');
    f.interfaces[0].value = '0';
    const v = kernelIpForward.judge(f);
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} sysctl -w net.ipv4.conf.${f.interfaces[0].ifname}.forwarding=1`);
  });
  it('skips when the sysctl cannot be read', () => {
    expect(kernelIpForward.judge({ ...recorded('healthy', 'kernel.ip-forward'), ipForward: null }).status).toBe('skip');
  });
});

describe('kernel.br-netfilter', () => {
  it('passes when bridged traffic goes through iptables and is let through', () => {
    expect(kernelBrNetfilter.judge(recorded('healthy', 'kernel.br-netfilter')).status).toBe('pass');
  });
  it('S6: bridged traffic handed to iptables and dropped by the FORWARD policy fails, with the ACCEPT for the bridge', () => {
    const f = recorded('s6', 'kernel.br-netfilter');
    const v = kernelBrNetfilter.judge(f);
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} iptables -I FORWARD -i ${f.bridge} -o ${f.bridge} -j ACCEPT`);
  });
  it('S11: isolation rules but bridge-nf-call-iptables = 0: a warning naming the rule that is not enforced', () => {
    const f = recorded('s11', 'kernel.br-netfilter');
    const v = kernelBrNetfilter.judge(f);
    expect(v.status).toBe('warn');
    expect(v.evidence.join('\n')).toMatch(/not enforced: filter TSDIAG-USER #1: .*--dport 6379 -j DROP/);
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} sysctl -w net.bridge.bridge-nf-call-iptables=1`);
  });
  it('br_netfilter not loaded at all: modprobe; bypass with no rule relying on it passes', () => {
    const f = { ...recorded('s11', 'kernel.br-netfilter'), moduleLoaded: false, callIptables: null };
    expect(kernelBrNetfilter.judge(f)).toMatchObject({ status: 'warn', fix: 'modprobe br_netfilter' });
    expect(kernelBrNetfilter.judge({ ...f, bridgedBlockers: [] }).status).toBe('pass');
  });
  it('skips when the pair shares no bridge', () => {
    expect(kernelBrNetfilter.judge({ ...recorded('healthy', 'kernel.br-netfilter'), bridge: null }).status).toBe('skip');
  });
});
