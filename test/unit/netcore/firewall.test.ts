import { describe, expect, it } from 'vitest';
import { chainEdits, desiredRules, parseIptablesSave, restoreScript } from '../../../src/netcore/bridge/firewall/rules.js';
import { emptyState, type HostState, type NetworkRecord } from '../../../src/netcore/bridge/state/types.js';

const net = (name: string, device: string, subnet: string, internal = false): NetworkRecord => ({
  id: name.padEnd(64, 'a'), name, driver: 'bridge', isDefault: false, subnet, gateway: subnet.replace('0/16', '1'), ipRange: null,
  internal, mtu: 1500, device, options: {}, labels: {}, created: '',
});

function stateWith(): HostState {
  const s = emptyState();
  s.networks.a = net('a', 'br-a', '172.18.0.0/16');
  s.networks.b = net('b', 'br-b', '172.19.0.0/16', true);
  s.containers.web = {
    id: 'f'.repeat(64), name: 'web', netns: 'x:web', networkMode: 'bridge', dns: [], cmd: [], pid: null, created: '',
    endpoints: [{ network: 'a', networkId: '', ifname: 'eth0', hostIf: 'veth1', ipv4: '172.18.0.2', prefixLen: 16, ipv6: null, mac: '', aliases: [] }],
    ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' }],
  };
  return s;
}

describe('firewall rules from state', () => {
  it('masquerades non-internal networks, isolates networks, DNATs published ports', () => {
    const r = desiredRules(stateWith());
    expect(r.nat['TSDIAG-POSTROUTING']).toContain('-s 172.18.0.0/16 ! -o br-a -j MASQUERADE');
    expect(r.nat['TSDIAG-POSTROUTING']!.some((x) => x.includes('172.19.0.0/16'))).toBe(false);
    expect(r.nat.TSDIAG).toContain('-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80');
    expect(r.filter.TSDIAG).toContain('-d 172.18.0.2/32 ! -i br-a -o br-a -p tcp -m tcp --dport 80 -j ACCEPT');
    expect(r.filter['TSDIAG-ISOLATION-STAGE-2']).toContain('-o br-a -j DROP');
    expect(r.filter['TSDIAG-ISOLATION-STAGE-1']).toContain('-i br-b ! -d 172.19.0.0/16 -j DROP');
  });

  it('puts the jumps back first and in order, and keeps the user chain', () => {
    const present = parseIptablesSave(['*filter', ':FORWARD DROP [0:0]', ':TSDIAG-USER - [0:0]', '-A FORWARD -j TSDIAG-USER',
      '-A TSDIAG-USER -p tcp --dport 5432 -j DROP', 'COMMIT'].join('\n'));
    const script = restoreScript(stateWith(), present).split('\n');
    expect(script).not.toContain(':TSDIAG-USER - [0:0]');
    // the jump that was there is taken out and both go back first, TSDIAG-USER before TSDIAG-FORWARD
    const del = script.indexOf('-D FORWARD -j TSDIAG-USER');
    const insFwd = script.indexOf('-I FORWARD 1 -j TSDIAG-FORWARD');
    const insUser = script.indexOf('-I FORWARD 1 -j TSDIAG-USER');
    expect(del).toBeGreaterThan(-1);
    expect(del).toBeLessThan(insFwd);
    expect(insFwd).toBeLessThan(insUser);
    expect(script).not.toContain('-D FORWARD -j TSDIAG-FORWARD');
  });

  it('removes jumps and chains when no network is left, but not a user chain with rules', () => {
    const present = parseIptablesSave(['*filter', ':TSDIAG-USER - [0:0]', ':TSDIAG-FORWARD - [0:0]', '-A FORWARD -j TSDIAG-USER',
      '-A FORWARD -j TSDIAG-FORWARD', '-A TSDIAG-USER -j RETURN', 'COMMIT', '*nat', ':TSDIAG-POSTROUTING - [0:0]',
      '-A POSTROUTING -j TSDIAG-POSTROUTING', 'COMMIT'].join('\n'));
    const script = restoreScript(emptyState(), present);
    expect(script).toContain('-D FORWARD -j TSDIAG-FORWARD');
    expect(script).toContain('-X TSDIAG-FORWARD');
    expect(script).toContain('-X TSDIAG-USER');
    expect(script).toContain('-D POSTROUTING -j TSDIAG-POSTROUTING');
    const withUserRule = parseIptablesSave(['*filter', ':TSDIAG-USER - [0:0]', '-A TSDIAG-USER -j DROP', '-A TSDIAG-USER -j RETURN', 'COMMIT'].join('\n'));
    expect(restoreScript(emptyState(), withUserRule)).toBeNull(); // nothing of tsdiag's to remove, the user's chain kept
  });

  it('edits only what differs: nothing to restore when the chains are as wanted, insertions alone for a new rule', () => {
    const s = stateWith();
    // what iptables-save prints once the state's rules are in
    const save = (state: HostState) => {
      const r = desiredRules(state);
      const lines = ['*filter', ...Object.keys(r.filter).map((c) => `:${c} - [0:0]`), ':TSDIAG-USER - [0:0]',
        '-A FORWARD -j TSDIAG-USER', '-A FORWARD -j TSDIAG-FORWARD', '-A FORWARD -j DOCKER-FORWARD', '-A TSDIAG-USER -j RETURN',
        ...Object.entries(r.filter).flatMap(([c, rules]) => rules.map((x) => `-A ${c} ${x}`)), 'COMMIT',
        '*nat', ...Object.keys(r.nat).map((c) => `:${c} - [0:0]`),
        '-A PREROUTING -m addrtype --dst-type LOCAL -j TSDIAG', '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j TSDIAG',
        '-A POSTROUTING -j TSDIAG-POSTROUTING', ...Object.entries(r.nat).flatMap(([c, rules]) => rules.map((x) => `-A ${c} ${x}`)), 'COMMIT'];
      return parseIptablesSave(lines.join('\n'));
    };
    expect(restoreScript(s, save(s))).toBeNull();
    const more = { ...s, containers: { ...s.containers, db: { ...s.containers.web!, name: 'db', ports: [{ hostIp: '0.0.0.0', hostPort: 5432, containerPort: 5432, proto: 'tcp' as const }],
      endpoints: [{ ...s.containers.web!.endpoints[0]!, ipv4: '172.18.0.3' }] } } };
    const script = restoreScript(more, save(s))!.split('\n');
    // db sorts before web: its rules go in at the head of TSDIAG, nothing is deleted, no chain is declared (that would flush it)
    expect(script).toContain('-I TSDIAG 1 -d 172.18.0.3/32 ! -i br-a -o br-a -p tcp -m tcp --dport 5432 -j ACCEPT');
    expect(script).toContain('-I TSDIAG 1 -p tcp -m tcp --dport 5432 -j DNAT --to-destination 172.18.0.3:5432');
    expect(script.filter((l) => l.startsWith('-D ') || l.startsWith(':'))).toEqual([]);
    // and back: the two rules deleted by number, nothing else
    expect(restoreScript(s, save(more))!.split('\n').filter((l) => l.startsWith('-'))).toEqual(['-D TSDIAG 1', '-D TSDIAG 1', '-D TSDIAG-POSTROUTING 2']);
  });

  it('chainEdits: the middle that differs, deleted by number and inserted in place (appended at the end)', () => {
    expect(chainEdits('C', ['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
    expect(chainEdits('C', ['a', 'c'], ['a', 'b', 'c'])).toEqual(['-I C 2 b']);
    expect(chainEdits('C', ['a'], ['a', 'b'])).toEqual(['-A C b']);
    expect(chainEdits('C', ['a', 'x', 'y', 'c'], ['a', 'b', 'c'])).toEqual(['-D C 2', '-D C 2', '-I C 2 b']);
    expect(chainEdits('C', ['a', 'a'], ['a'])).toEqual(['-D C 2']);
  });
});
