import type { IptablesState, IptRule } from '../../host-reader.js';
import { matchRule, walkChain, type Packet } from './evaluator.js';
import { iptablesRule, iptablesTable } from './iptables-rules.js';

/**
 * Pure reading of iptables rules for the firewall checks: which rules a
 * bridge's traffic can meet on its way through FORWARD, which counters moved
 * during a probe, and how a rule is named and deleted.
 */

export const isBlocking = (target: string | null): boolean => target === 'DROP' || target === 'REJECT';

/** A packet as FORWARD sees it: the interfaces it enters and leaves by, and its addresses when known (netavark accepts by subnet, not by interface). */
export interface Passage {
  in: string;
  out: string;
  saddr?: string;
  daddr?: string;
}

const passage = (p: Passage): Packet => ({ family: 'ip', in: p.in, out: p.out, saddr: p.saddr, daddr: p.daddr });

/**
 * Whether a rule matches a passage: 'no' when an interface match excludes it,
 * 'yes' when its only conditions are interface matches that hold, 'maybe'
 * when it has other conditions (protocol, port, state, address ...).
 */
export function matchPassage(rule: IptRule, p: Passage): 'yes' | 'no' | 'maybe' {
  return matchRule(iptablesRule(rule, new Set()), passage(p));
}

export interface ForwardWalk {
  /** what happens to the passage for sure: accepted or dropped by a rule, or left to the chain policy */
  verdict: 'accept' | 'drop' | 'policy';
  /** the rule that decides (null for the policy) */
  rule: IptRule | null;
  /** DROP/REJECT rules the passage may meet before the decision (conditional ones included) */
  blockers: IptRule[];
}

/**
 * Follows a passage through filter FORWARD and the chains it jumps to, as far
 * as interface matches decide: a conditional ACCEPT (conntrack state, port)
 * cannot be counted on, a conditional DROP is listed as a blocker.
 */
export function walkForward(state: IptablesState, p: Passage): ForwardWalk {
  const w = walkChain(iptablesTable(state), 'FORWARD', passage(p));
  const blockers = w.met.map((r) => r.source);
  if (w.verdict === 'policy') return { verdict: 'policy', rule: null, blockers };
  return { verdict: w.verdict === 'accept' ? 'accept' : 'drop', rule: w.rule!.source, blockers };
}

export interface CounterMove {
  table: string;
  chain: string;
  position: number;
  text: string;
  target: string | null;
  /** packets counted between the two readings */
  packets: number;
}

export interface PolicyMove {
  table: string;
  chain: string;
  policy: string;
  packets: number;
}

/** Identifies one rule across two readings. */
export const ruleKey = (r: { table: string; chain: string; position: number; text: string }) => `${r.table}/${r.chain}/${r.position}/${r.text}`;

/** Rules whose packet counter rose between two readings, in the order iptables-save lists them. */
export function movedRules(before: IptablesState, after: IptablesState): CounterMove[] {
  const was = new Map(before.rules.map((r) => [ruleKey(r), r.packets]));
  return after.rules
    .filter((r) => was.has(ruleKey(r)) && r.packets > was.get(ruleKey(r))!)
    .map((r) => ({ table: r.table, chain: r.chain, position: r.position, text: r.text, target: r.target, packets: r.packets - was.get(ruleKey(r))! }));
}

/** Built-in chains whose policy counter rose between two readings (the policy was applied to that many packets). */
export function movedPolicies(before: IptablesState, after: IptablesState): PolicyMove[] {
  const was = new Map(before.chains.map((c) => [`${c.table}/${c.name}`, c.packets]));
  return after.chains
    .filter((c) => c.policy !== null && was.has(`${c.table}/${c.name}`) && c.packets > was.get(`${c.table}/${c.name}`)!)
    .map((c) => ({ table: c.table, chain: c.name, policy: c.policy!, packets: c.packets - was.get(`${c.table}/${c.name}`)! }));
}

/** "filter TSDIAG-USER #1: -A TSDIAG-USER -p tcp ... -j DROP" */
export function describeRule(r: { table: string; chain: string; position: number; text: string }): string {
  return `${r.table} ${r.chain} #${r.position}: ${r.text}`;
}

/** `iptables [-t nat] -D CHAIN POSITION` (with the given binary: iptables-legacy, ...). */
export function deleteRuleCommand(r: { table: string; chain: string; position: number }, binary = 'iptables'): string {
  return `${binary}${r.table === 'filter' ? '' : ` -t ${r.table}`} -D ${r.chain} ${r.position}`;
}

/**
 * Commands that delete several rules by position: within one chain from the
 * highest position down, so that each deletion leaves the others' positions intact.
 */
export function deleteRulesCommands<R extends { table: string; chain: string; position: number }>(rules: R[], binary = 'iptables'): string[] {
  return [...rules]
    .sort((a, b) => `${a.table} ${a.chain}`.localeCompare(`${b.table} ${b.chain}`) || b.position - a.position)
    .map((r) => deleteRuleCommand(r, binary));
}

/** `-A CHAIN ...` lines of one chain, with `-P CHAIN POLICY` first: what `iptables -S CHAIN` prints. */
export function chainListing(state: IptablesState, chain: string, table = 'filter'): string[] {
  const c = state.chains.find((x) => x.table === table && x.name === chain);
  const head = c?.policy ? [`-P ${chain} ${c.policy}`] : [`-N ${chain}`];
  return [...head, ...state.rules.filter((r) => r.table === table && r.chain === chain).map((r) => r.text)];
}
