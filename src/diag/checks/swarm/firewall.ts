import type { IptablesState, IptRule } from '../../host-reader.js';
import { walkChain } from '../firewall/evaluator.js';
import { iptablesTable } from '../firewall/iptables-rules.js';

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

export function decide(state: IptablesState, chain: 'INPUT' | 'OUTPUT', pkt: SwarmPacket): FirewallDecision | null {
  // a peer's packet never crosses lo, and opens a connection (or is one conntrack cannot place)
  const notLo = { not: ['lo'] };
  const base = { family: 'ip' as const, proto: pkt.proto, dport: pkt.port, ctstate: ['NEW', 'INVALID'] };
  const packet = chain === 'INPUT' ? { ...base, saddr: pkt.peer, in: notLo } : { ...base, daddr: pkt.peer, out: notLo };
  const w = walkChain(iptablesTable(state), chain, packet, { maybe: 'match' });
  if (w.verdict === 'drop' || w.verdict === 'reject') return { verdict: w.verdict === 'drop' ? 'DROP' : 'REJECT', chain: w.rule!.chain, rule: w.rule!.source };
  if (w.verdict === 'policy' && w.policy === 'drop') return { verdict: 'DROP', chain, rule: null };
  return null;
}
