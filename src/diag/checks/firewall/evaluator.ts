import { contains, parseCidr, parseIpv4 } from '../../../netcore/ipv4.js';
import { contains6, maskOf6, parseIpv6 } from '../../../netcore/ipv6.js';

/**
 * The one firewall rule evaluator of the doctor: a packet walked through a
 * hook's chains (jumps, gotos, returns, policies) to the verdict and the rule
 * that decided it. Rules come in its own words (Match, Action) so that any
 * source can feed it: iptables-save today (iptables-rules.ts), an nftables
 * ruleset later. A match it does not understand, or that needs a field the
 * packet leaves open, answers 'maybe'; the caller says how a 'maybe' counts.
 */

/** One side of a packet's passage: an interface name, or only names it is known not to be (a remote peer's packet never enters by lo). */
export type Iface = string | { not: string[] };

/** A packet as far as it is known: a field left out is unknown, and a match on it is a 'maybe'. */
export interface Packet {
  family: 'ip' | 'ip6';
  /** tcp, udp, icmp, esp, ... */
  proto?: string;
  saddr?: string;
  daddr?: string;
  /** null: the protocol has no ports (ICMP, ESP) */
  sport?: number | null;
  dport?: number | null;
  in?: Iface;
  out?: Iface;
  /** the conntrack states the packet may be in (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED) */
  ctstate?: string[];
}

export type Match =
  /** `name` may end in `+` (iptables) or `*` (nft): a prefix */
  | { kind: 'iface'; dir: 'in' | 'out'; name: string; negated: boolean }
  | { kind: 'proto'; proto: string; negated: boolean }
  | { kind: 'addr'; dir: 'src' | 'dst'; cidr: string; negated: boolean }
  | { kind: 'port'; dir: 'src' | 'dst'; ranges: Array<[number, number]>; negated: boolean }
  | { kind: 'ctstate'; states: string[]; negated: boolean }
  /** a condition the evaluator does not understand (marks, sets, rate limits, ...) */
  | { kind: 'other'; text: string };

export type Action =
  | { kind: 'accept' | 'drop' | 'reject' | 'return' }
  | { kind: 'jump' | 'goto'; chain: string }
  /** a target that does not end the walk (LOG, MARK, a counter, a chain of another table) */
  | { kind: 'continue' };

export interface Rule<S> {
  chain: string;
  matches: Match[];
  action: Action;
  /** the rule as its source has it, to name and delete it */
  source: S;
}

export interface Chain<S> {
  name: string;
  /** a base chain's policy; null for a chain only jumped to */
  policy: 'accept' | 'drop' | null;
  rules: Rule<S>[];
}

/** One table of one family: its chains by name (a jump stays within its table). */
export interface Table<S> {
  family: string;
  name: string;
  chains: Map<string, Chain<S>>;
}

export type MatchResult = 'yes' | 'no' | 'maybe';

export interface WalkOptions {
  /**
   * 'uncertain' (default): a 'maybe' rule decides nothing (its DROP is listed in `met`, its ACCEPT not counted on);
   * 'match': a 'maybe' rule is taken as matching (a rule that drops some such packets is worth naming).
   */
  maybe?: 'uncertain' | 'match';
}

export interface WalkResult<S> {
  /** 'policy': no rule decided, the base chain's policy did (see `policy`) */
  verdict: 'accept' | 'drop' | 'reject' | 'policy';
  /** the rule that decided (null: the policy) */
  rule: Rule<S> | null;
  /** the base chain's policy (null: it has none) */
  policy: 'accept' | 'drop' | null;
  /** every DROP/REJECT rule the packet may meet on its way, the deciding one included */
  met: Rule<S>[];
}

const MAX_DEPTH = 16;

function ifaceIs(pattern: string, iface: Iface | undefined): MatchResult {
  if (iface === undefined) return 'maybe';
  const prefix = pattern.endsWith('+') || pattern.endsWith('*') ? pattern.slice(0, -1) : null;
  if (typeof iface === 'string') return (prefix !== null ? iface.startsWith(prefix) : iface === pattern) ? 'yes' : 'no';
  return prefix === null && iface.not.includes(pattern) ? 'no' : 'maybe';
}

function inCidr(cidr: string, addr: string | undefined): MatchResult {
  if (addr === undefined) return 'maybe';
  try {
    if (addr.includes(':') !== cidr.includes(':')) return 'no';
    if (addr.includes(':')) {
      const [net, len] = cidr.split('/') as [string, string | undefined];
      const prefix = len === undefined ? 128 : Number(len);
      return contains6({ base: parseIpv6(net) & maskOf6(prefix), prefix }, parseIpv6(addr)) ? 'yes' : 'no';
    }
    return contains(parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`, { strict: false }), parseIpv4(addr)) ? 'yes' : 'no';
  } catch {
    return 'maybe';
  }
}

function ctstateIs(states: string[], may: string[] | undefined): MatchResult {
  if (may === undefined) return 'maybe';
  const hits = may.filter((s) => states.includes(s)).length;
  return hits === may.length ? 'yes' : hits === 0 ? 'no' : 'maybe';
}

const negate = (r: MatchResult, negated: boolean): MatchResult => (!negated || r === 'maybe' ? r : r === 'yes' ? 'no' : 'yes');

export function matchOne(m: Match, p: Packet): MatchResult {
  switch (m.kind) {
    case 'iface': return negate(ifaceIs(m.name, m.dir === 'in' ? p.in : p.out), m.negated);
    case 'proto':
      if (m.proto === 'all') return 'yes';
      return p.proto === undefined ? 'maybe' : negate(p.proto === m.proto ? 'yes' : 'no', m.negated);
    case 'addr': return negate(inCidr(m.cidr, m.dir === 'src' ? p.saddr : p.daddr), m.negated);
    case 'port': {
      const port = m.dir === 'src' ? p.sport : p.dport;
      if (port === undefined) return 'maybe';
      if (port === null) return 'no';
      return negate(m.ranges.some(([lo, hi]) => port >= lo && port <= hi) ? 'yes' : 'no', m.negated);
    }
    case 'ctstate': return negate(ctstateIs(m.states, p.ctstate), m.negated);
    case 'other': return 'maybe';
  }
}

/** Whether every match of a rule holds: 'no' as soon as one fails, 'maybe' when one cannot tell. */
export function matchRule(rule: Pick<Rule<unknown>, 'matches'>, p: Packet): MatchResult {
  let out: MatchResult = 'yes';
  for (const m of rule.matches) {
    const r = matchOne(m, p);
    if (r === 'no') return 'no';
    if (r === 'maybe') out = 'maybe';
  }
  return out;
}

type ChainEnd<S> = { end: 'accept' | 'drop' | 'reject'; rule: Rule<S> } | { end: 'return' | 'fall' };

/** Walks a packet through a base chain of a table and the chains it jumps or goes to. */
export function walkChain<S>(table: Table<S>, base: string, p: Packet, o: WalkOptions = {}): WalkResult<S> {
  const met: Rule<S>[] = [];
  const walk = (name: string, certain: boolean, depth: number): ChainEnd<S> => {
    const chain = table.chains.get(name);
    if (!chain || depth > MAX_DEPTH) return { end: 'fall' };
    for (const rule of chain.rules) {
      let m = matchRule(rule, p);
      if (m === 'maybe' && o.maybe === 'match') m = 'yes';
      if (m === 'no') continue;
      const sure = certain && m === 'yes';
      const a = rule.action;
      if (a.kind === 'drop' || a.kind === 'reject') {
        met.push(rule);
        if (sure) return { end: a.kind, rule };
      } else if (a.kind === 'accept') {
        if (sure) return { end: 'accept', rule };
      } else if (a.kind === 'return') {
        if (sure) return { end: 'return' };
      } else if (a.kind === 'jump' || a.kind === 'goto') {
        if (!table.chains.has(a.chain)) continue;
        const sub = walk(a.chain, sure, depth + 1);
        if (sure && sub.end !== 'return' && sub.end !== 'fall') return sub;
        // a goto does not come back: the chain that called this one goes on
        if (sure && a.kind === 'goto') return { end: 'return' };
      }
    }
    return { end: 'fall' };
  };
  const end = walk(base, true, 0);
  const policy = table.chains.get(base)?.policy ?? null;
  if ('rule' in end) return { verdict: end.end, rule: end.rule, policy, met };
  return { verdict: 'policy', rule: null, policy, met };
}

/**
 * Walks a packet through every base chain of one hook, in priority order (an
 * nftables hook may have several, in several tables): an accept, by rule or
 * policy, hands the packet to the next; a drop or reject ends it.
 */
export function walkHook<S>(bases: Array<{ table: Table<S>; chain: string }>, p: Packet, o: WalkOptions = {}): WalkResult<S> & { table: Table<S> | null } {
  const met: Rule<S>[] = [];
  for (const { table, chain } of bases) {
    const r = walkChain(table, chain, p, o);
    met.push(...r.met);
    if (r.verdict === 'drop' || r.verdict === 'reject' || (r.verdict === 'policy' && r.policy === 'drop')) return { ...r, met, table };
  }
  return { verdict: 'accept', rule: null, policy: null, met, table: null };
}
