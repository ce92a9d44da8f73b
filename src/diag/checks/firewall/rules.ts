import type { IptablesState, IptRule } from '../../host-reader.js';

/**
 * Pure reading of iptables rules for the firewall checks: which rules a
 * bridge's traffic can meet on its way through FORWARD, which counters moved
 * during a probe, and how a rule is named and deleted.
 */

export const isBlocking = (target: string | null): boolean => target === 'DROP' || target === 'REJECT';

/** A packet as FORWARD sees it: the interfaces it enters and leaves by. */
export interface Passage {
  in: string;
  out: string;
}

/** Splits a rule into arguments, keeping quoted strings ("-m comment --comment "a b"") whole. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

/** `br+` is iptables' prefix wildcard. */
function ifaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/**
 * Whether a rule matches a passage: 'no' when an interface match excludes it,
 * 'yes' when its only conditions are interface matches that hold, 'maybe'
 * when it has other conditions (protocol, port, state, address ...).
 */
export function matchPassage(rule: IptRule, p: Passage): 'yes' | 'no' | 'maybe' {
  const args = tokens(rule.text);
  let other = false;
  // args[0..1] are "-A CHAIN"; everything after "-j TARGET" are the target's options
  for (let i = 2; i < args.length; i++) {
    const negated = args[i] === '!';
    const flag = negated ? args[i + 1] : args[i];
    const value = negated ? args[i + 2] : args[i + 1];
    if (flag === '-j' || flag === '-g') break;
    if (flag === '-i' || flag === '-o') {
      const holds = ifaceMatches(value ?? '', flag === '-i' ? p.in : p.out);
      if (holds === negated) return 'no';
      i += negated ? 2 : 1;
    } else if (flag === '-m' && value === 'comment') {
      i += 3; // -m comment --comment TEXT: not a condition
    } else if (flag?.startsWith('-')) other = true;
  }
  return other ? 'maybe' : 'yes';
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
  const userChains = new Set(state.chains.filter((c) => c.table === 'filter' && c.policy === null).map((c) => c.name));
  const blockers: IptRule[] = [];
  type Outcome = { verdict: 'accept' | 'drop' | 'return' | 'end'; rule: IptRule | null };

  const walk = (chain: string, certain: boolean, depth: number): Outcome => {
    if (depth > 16) return { verdict: 'end', rule: null };
    for (const rule of state.rules.filter((r) => r.table === 'filter' && r.chain === chain)) {
      const m = matchPassage(rule, p);
      if (m === 'no') continue;
      const sure = certain && m === 'yes';
      if (isBlocking(rule.target)) {
        blockers.push(rule);
        if (sure) return { verdict: 'drop', rule };
      } else if (rule.target === 'ACCEPT') {
        if (sure) return { verdict: 'accept', rule };
      } else if (rule.target === 'RETURN') {
        if (sure) return { verdict: 'return', rule: null };
      } else if (rule.target && userChains.has(rule.target)) {
        const sub = walk(rule.target, sure, depth + 1);
        if (sure && (sub.verdict === 'accept' || sub.verdict === 'drop')) return sub;
      }
    }
    return { verdict: 'end', rule: null };
  };

  const end = walk('FORWARD', true, 0);
  if (end.verdict === 'accept' || end.verdict === 'drop') return { verdict: end.verdict, rule: end.rule, blockers };
  return { verdict: 'policy', rule: null, blockers };
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
