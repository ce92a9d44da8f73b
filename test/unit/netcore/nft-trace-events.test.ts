import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTraceLine, tracedPackets } from '../../../src/netcore/kernel/nft/trace-events.js';
import { matchExpr, traceTablesScript } from '../../../src/netcore/kernel/nft/trace.js';

// `nft -a monitor` on nft 1.0.6 while TCP SYNs met a drop rule, a jump to a reject, and an accepting policy
const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/nft/monitor-trace.txt'), 'utf8');
const events = text.split('\n').map(parseTraceLine).filter((e) => e !== null);
const packets = tracedPackets(events, (t) => t.startsWith('tsdiag_trace_'));

describe('nftrace events', () => {
  it('reads rule, unknown rule, policy and packet lines; skips the ruleset events', () => {
    expect(parseTraceLine('trace id e2275af4 inet f input rule tcp dport 80 counter packets 2 bytes 120 drop # handle 2 (verdict drop)')).toEqual({
      id: 'e2275af4', family: 'inet', table: 'f', chain: 'input', kind: 'rule', text: 'tcp dport 80 counter packets 2 bytes 120 drop', handle: 2, verdict: 'drop',
    });
    expect(parseTraceLine('trace id e2275af4 inet tsdiag_trace_1 pre unknown rule handle 7 (verdict continue)')).toMatchObject({ kind: 'rule', handle: 7, text: null });
    expect(parseTraceLine('trace id e2275af4 ip raw PREROUTING policy accept ')).toMatchObject({ kind: 'policy', verdict: 'accept' });
    expect(parseTraceLine('delete table inet tsdiag_trace_1 # handle 11')).toBeNull();
    expect(events.length).toBeGreaterThan(50);
  });

  it('groups one path per packet with the deciding rule', () => {
    expect(packets.map((p) => p.verdict)).toEqual(['drop', 'drop', 'drop', 'drop', 'accept', 'accept']);
    expect(packets[0]!.decidedBy).toMatchObject({ family: 'inet', table: 'f', chain: 'input', handle: 2, verdict: 'drop' });
    expect(packets[0]!.iif).toBe('vb');
    expect(packets[0]!.steps.map((s) => `${s.family} ${s.table} ${s.chain} ${s.kind} ${s.verdict}`)).toEqual([
      'ip raw PREROUTING policy accept', 'ip nat PREROUTING rule jump DOCKER', 'ip nat PREROUTING policy accept',
      'ip filter INPUT policy accept', 'inet f input rule drop',
    ]);
    // a jump then a reject in the regular chain: the rule in `sub` decided
    expect(packets[2]!.decidedBy).toMatchObject({ chain: 'sub', handle: 6, text: 'meta nfproto ipv4 counter packets 0 bytes 0 reject with icmp admin-prohibited' });
  });

  it('shows the policy on an accepted path, the reply in the output hook', () => {
    expect(packets[4]!.decidedBy).toMatchObject({ family: 'inet', table: 'f', chain: 'input', kind: 'policy', verdict: 'accept' });
    expect(packets[5]!.oif).toBe('vb');
    expect(packets[5]!.steps).toEqual([]);
  });
});

describe('trace tables', () => {
  it('match the probe in both directions', () => {
    const m = { proto: 'tcp' as const, src: '10.0.0.1', dst: '10.0.0.2', dport: 80 };
    expect(matchExpr(m)).toBe('ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 80');
    expect(matchExpr(m, true)).toBe('ip saddr 10.0.0.2 ip daddr 10.0.0.1 tcp sport 80');
    expect(matchExpr({ proto: 'icmp', dst: 'fd00::2' })).toBe('ip6 daddr fd00::2 meta l4proto ipv6-icmp');
    expect(matchExpr({ proto: 'udp', src: '10.0.0.1' })).toBe('ip saddr 10.0.0.1 meta l4proto udp');
  });

  it('are inet and bridge, netdev for named devices', () => {
    const { script, tables } = traceTablesScript('tsdiag_trace_1_1', { proto: 'udp', dport: 53 }, { ingressDevices: ['eth0'] });
    expect(tables).toEqual(['inet tsdiag_trace_1_1', 'bridge tsdiag_trace_1_1', 'netdev tsdiag_trace_1_1']);
    expect(script).toContain('type filter hook ingress devices = { "eth0" } priority -1000;');
    expect(script).toContain('udp dport 53 meta nftrace set 1');
  });

  it('refuse what is no address, port or device', () => {
    expect(() => matchExpr({ proto: 'tcp', dst: '10.0.0.1; flush ruleset' })).toThrow(/address/);
    expect(() => matchExpr({ proto: 'tcp', dport: 70000 })).toThrow(/port/);
    expect(() => traceTablesScript('t', { proto: 'tcp' }, { ingressDevices: ['a" }'] })).toThrow(/interface/);
  });
});
