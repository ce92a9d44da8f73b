import { describe, expect, it } from 'vitest';
import { counterDrops, describeDrop, isIptablesPolicy, tracedDrops, type IptablesView } from '../../../../../src/diag/checks/firewall/nft-drops.js';
import { dropFixes } from '../../../../../src/diag/checks/firewall/nft-fixes.js';
import type { SiteTrace } from '../../../../../src/diag/checks/firewall/trace-probe.js';
import type { TracedPacket, TraceStep } from '../../../../../src/diag/host-reader.js';

const step = (s: Partial<TraceStep>): TraceStep => ({ family: 'inet', table: 'filter', chain: 'forward', kind: 'rule', handle: 7, text: 'tcp dport 5432 drop', verdict: 'drop', ...s });
const packet = (decidedBy: TraceStep): TracedPacket => ({ id: '1', packet: '', iif: null, oif: null, steps: [decidedBy], verdict: decidedBy.verdict === 'drop' ? 'drop' : 'accept', decidedBy });
const site = (where: string, ...steps: TraceStep[]): SiteTrace => ({ where, netns: where, packets: steps.map(packet), error: null });

// iptables-nft's filter TSDIAG-USER with one rule, handle 12 in the nf_tables ruleset
const view: IptablesView = {
  state: {
    chains: [{ table: 'filter', name: 'TSDIAG-USER', policy: null, packets: 0, bytes: 0 }, { table: 'filter', name: 'FORWARD', policy: 'DROP', packets: 0, bytes: 0 }] as any,
    rules: [{ table: 'filter', chain: 'TSDIAG-USER', position: 1, packets: 3, bytes: 180, text: '-A TSDIAG-USER -p tcp -m tcp --dport 5432 -j DROP', target: 'DROP' }],
  },
  ruleset: {
    tables: [
      { family: 'ip', name: 'filter', handle: 1, flags: [], chains: [{ family: 'ip', table: 'filter', name: 'TSDIAG-USER', handle: 3, base: false, type: null, hook: null, priority: null, policy: null, devices: [],
        rules: [{ family: 'ip', table: 'filter', chain: 'TSDIAG-USER', handle: 12, position: 0, text: 'meta l4proto tcp tcp dport 5432 counter packets 3 bytes 180 drop', expr: [], comment: null, counter: null }] }] },
      { family: 'inet', name: 'fw', handle: 2, flags: [], chains: [{ family: 'inet', table: 'fw', name: 'forward', handle: 1, base: true, type: 'filter', hook: 'forward', priority: 0, policy: 'drop', devices: [], rules: [] }] },
    ],
  },
};
const target = { backend: 'native' as const, hostNetns: 'lab', pids: {}, bridge: 'br-1' };

describe('what dropped the traced probe', () => {
  it('names a native rule by family, table, chain and handle, with nft delete rule as its fix', () => {
    const drops = tracedDrops([site('web', step({ verdict: 'accept', kind: 'policy' })), site('host', step({}))], view);
    expect(drops).toHaveLength(1);
    expect(describeDrop(drops[0]!)).toBe('inet filter forward handle 7: tcp dport 5432 drop');
    expect(dropFixes(target, drops)).toBe('ip netns exec lab nft delete rule inet filter forward handle 7');
  });

  it('names iptables-nft\'s rule in iptables words, and the counters do not name it twice', () => {
    const drops = tracedDrops([site('host', step({ family: 'ip', table: 'filter', chain: 'TSDIAG-USER', handle: 12, text: 'meta l4proto tcp ...' }))], view);
    expect(drops[0]).toMatchObject({ method: 'nftrace', iptables: { position: 1, text: '-A TSDIAG-USER -p tcp -m tcp --dport 5432 -j DROP' }, verb: 'drops' });
    const moves = [{ table: 'filter', chain: 'TSDIAG-USER', position: 1, text: view.state!.rules[0]!.text, target: 'DROP', packets: 1 }];
    expect(counterDrops(moves, drops)).toEqual([]);
    expect(counterDrops(moves, [])[0]).toMatchObject({ method: 'counters', packets: 1 });
    expect(dropFixes(target, drops)).toBe('ip netns exec lab iptables -D TSDIAG-USER 1');
  });

  it('a reject in a container\'s namespace is fixed there', () => {
    const drops = tracedDrops([site('db', step({ chain: 'input', handle: 3, text: 'tcp dport 5432 reject with tcp reset' }))], view);
    expect(drops[0]!.verb).toBe('rejects');
    expect(describeDrop(drops[0]!)).toBe("inet filter input handle 3: tcp dport 5432 reject with tcp reset in db's namespace");
    expect(dropFixes(target, drops)).toBe('tsdiag --host-netns lab exec db -- nft delete rule inet filter input handle 3');
    expect(dropFixes({ ...target, backend: 'docker', pids: { db: 42 } }, drops)).toBe('nsenter -t 42 -n nft delete rule inet filter input handle 3');
  });

  it('a dropping policy: an accept rule for the bridge on the host\'s forward hook, else policy accept; iptables\' own policies are fw.forward-policy\'s', () => {
    const [fwd] = tracedDrops([site('host', step({ table: 'fw', kind: 'policy', handle: null, text: null }))], view);
    expect(fwd).toMatchObject({ kind: 'policy', hook: 'forward', text: 'policy drop' });
    expect(dropFixes(target, [fwd!])).toBe('ip netns exec lab nft insert rule inet fw forward iifname br-1 oifname br-1 accept');
    const [input] = tracedDrops([site('db', step({ chain: 'input', kind: 'policy', handle: null, text: null }))], view);
    expect(dropFixes(target, [input!])).toBe("tsdiag --host-netns lab exec db -- nft chain inet filter input '{ policy accept; }'");
    const [ipt] = tracedDrops([site('host', step({ family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'policy', handle: null, text: null }))], view);
    expect(isIptablesPolicy(ipt!, view)).toBe(true);
    expect(isIptablesPolicy(fwd!, view)).toBe(false);
  });
});
