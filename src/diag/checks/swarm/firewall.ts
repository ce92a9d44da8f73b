import type { IptablesState, IptRule } from '../../host-reader.js';
import { contains, parseCidr, parseIpv4 } from '../../../netcore/ipv4.js';

/**
 * Which rule of this node's filter table decides a packet of a swarm port:
 * the first terminal rule of the chain whose protocol, port and peer address
 * match, following jumps into user chains, then the chain's policy. Matches
 * tsdiag cannot evaluate (interfaces, marks, ...) are taken as matching: a
 * rule that drops the port for some packets is worth naming.
 */
export interface SwarmPacket {
  proto: 'tcp' | 'udp' | 'esp';
  port: number | null;
  /** INPUT: the packet comes from this address; OUTPUT: goes to it */
  peer: string;
}

export interface FirewallDecision {
  verdict: 'DROP' | 'REJECT';
  chain: string;
  /** null: the chain's policy */
  rule: IptRule | null;
}

const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '50': 'esp' };

function tokens(text: string): string[] {
  return text.split(/\s+/);
}

function optionValue(t: string[], ...names: string[]): { value: string; negated: boolean } | null {
  const i = t.findIndex((x) => names.includes(x));
  if (i < 0) return null;
  return { value: t[i + 1] ?? '', negated: t[i - 1] === '!' };
}

function portMatches(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':').map(Number) as [number, number | undefined];
    return hi === undefined ? port === lo : port >= (lo || 0) && port <= (hi || 65535);
  });
}

function addressMatches(spec: string, addr: string): boolean {
  return contains(parseCidr(spec.includes('/') ? spec : `${spec}/32`, { strict: false }), parseIpv4(addr));
}

export function ruleMatches(rule: IptRule, pkt: SwarmPacket, direction: 'in' | 'out'): boolean {
  const t = tokens(rule.text);
  const proto = optionValue(t, '-p', '--protocol');
  if (proto) {
    const name = PROTO_NUMBERS[proto.value] ?? proto.value;
    if ((name === pkt.proto) === proto.negated && name !== 'all') return false;
  }
  const iface = optionValue(t, direction === 'in' ? '-i' : '-o');
  if (iface && iface.value === 'lo' && !iface.negated) return false;
  if (/--ctstate|--state/.test(rule.text) && !/NEW|INVALID/.test(rule.text)) return false; // only established traffic
  const dport = optionValue(t, '--dport', '--dports', '--destination-port', '--destination-ports');
  if (dport) {
    if (pkt.port === null) return false;
    if (portMatches(dport.value, pkt.port) === dport.negated) return false;
  }
  const addr = optionValue(t, direction === 'in' ? '-s' : '-d', direction === 'in' ? '--source' : '--destination');
  if (addr && addressMatches(addr.value, pkt.peer) === addr.negated) return false;
  return true;
}

export function decide(state: IptablesState, chain: 'INPUT' | 'OUTPUT', pkt: SwarmPacket): FirewallDecision | null {
  const direction = chain === 'INPUT' ? 'in' : 'out';
  const userChains = new Set(state.chains.filter((c) => c.table === 'filter' && c.policy === null).map((c) => c.name));
  const walk = (name: string, depth: number): FirewallDecision | 'ACCEPT' | null => {
    if (depth > 8) return null;
    for (const rule of state.rules.filter((r) => r.table === 'filter' && r.chain === name)) {
      if (!ruleMatches(rule, pkt, direction)) continue;
      if (rule.target === 'ACCEPT') return 'ACCEPT';
      if (rule.target === 'DROP' || rule.target === 'REJECT') return { verdict: rule.target, chain: name, rule };
      if (rule.target === 'RETURN') return null;
      if (rule.target && userChains.has(rule.target)) {
        const inner = walk(rule.target, depth + 1);
        if (inner) return inner;
      }
    }
    return null;
  };
  const result = walk(chain, 0);
  if (result === 'ACCEPT') return null;
  if (result) return result;
  const policy = state.chains.find((c) => c.table === 'filter' && c.name === chain)?.policy;
  return policy === 'DROP' ? { verdict: 'DROP', chain, rule: null } : null;
}
