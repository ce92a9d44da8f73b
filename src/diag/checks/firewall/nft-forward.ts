import type { NftTableText } from './nft-ruleset-text.js';

/**
 * The nftables half of fw.forward-policy: the base chains of the forward hook
 * (type filter, family ip or inet) whose policy is drop — firewalld's, Docker
 * 29's `ip docker-bridges` filter-FORWARD, a hand-written table — and where a
 * new connection inside one bridge ends in each. In nftables every base chain
 * of a hook must accept a packet: an accept in one chain does not save it from
 * another chain's drop, so each is judged on its own.
 */
export interface NftForwardDrop {
  family: string;
  table: string;
  chain: string;
  /** "type filter hook forward priority filter; policy drop;" */
  hook: string;
  /** accept/drop: a rule decides; policy: nothing does; unknown: only rules with matches this walk cannot evaluate would */
  verdict: 'accept' | 'drop' | 'policy' | 'unknown';
  /** the deciding rule, as "chain: rule text" */
  rule: string | null;
}

interface Packet { iif: string; oif: string }
type Outcome = { verdict: 'accept' | 'drop'; rule: string } | { verdict: 'fallthrough'; maybe: string | null };

const MAX_DEPTH = 16;

const NAME = String.raw`(?:"[^"]*"|[^\s{}",]+)`;
const unquote = (s: string) => s.replace(/^"|"$/g, '');
/** nft's interface name match: exact, or a trailing `*` wildcard. */
const nameMatches = (pattern: string, name: string) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name);

/**
 * Whether the rule's matches hold for the packet: true, false, or null when a
 * match is not one this walk knows (protocols, addresses, marks, sets). The
 * packet is a new connection with both interfaces known; nothing else is.
 */
function matches(rule: string, p: Packet): { holds: boolean | null; rest: string } {
  let rest = rule;
  let holds: boolean | null = true;
  for (;;) {
    rest = rest.trimStart();
    let m: RegExpExecArray | null;
    if (/^(?:accept|drop|reject\b.*|return|continue|(?:jump|goto) \S+|(?:meta )?(?:iifname|oifname) vmap \S+)$/.test(rest)) {
      return { holds, rest };
    } else if ((m = new RegExp(String.raw`^(?:meta )?(iifname|oifname) (!= )?(\{[^}]*\}|${NAME})(?=\s|$)`).exec(rest))) {
      const names = m[3]!.startsWith('{') ? m[3]!.slice(1, -1).split(',').map((x) => unquote(x.trim())) : [unquote(m[3]!)];
      const dev = m[1] === 'iifname' ? p.iif : p.oif;
      if (names.some((n) => nameMatches(n, dev)) === !!m[2]) holds = false;
    } else if ((m = /^ct state (!= )?(\{[^}]*\}|\S+)(?=\s|$)/.exec(rest))) {
      const states = m[2]!.replace(/[{}\s]/g, '').split(',');
      if (states.includes('new') === !!m[1]) holds = false;
    } else if ((m = /^(?:log(?: prefix "[^"]*")?|meta nftrace set 1)(?=\s|$)/.exec(rest))) {
      // statements that neither match nor decide
    } else {
      return { holds: holds === false ? false : null, rest: '' };
    }
    rest = rest.slice(m[0].length);
  }
}

function walkChain(t: NftTableText, name: string, p: Packet, depth: number): Outcome {
  const chain = t.chains.get(name);
  if (!chain || depth > MAX_DEPTH) return { verdict: 'fallthrough', maybe: null };
  let maybe: string | null = null;
  for (const rule of chain.rules) {
    const { holds, rest } = matches(rule, p);
    const here = `${name}: ${rule}`;
    if (holds === false) continue;
    if (holds === null) {
      if (/\baccept$/.test(rule) || /\b(?:jump|goto|vmap)\b/.test(rule)) maybe ??= here;
      continue;
    }
    let action = rest;
    const vmap = /^(?:meta )?(iifname|oifname) vmap @(\S+)$/.exec(action);
    if (vmap) {
      action = t.maps.get(vmap[2]!)?.get(vmap[1] === 'iifname' ? p.iif : p.oif) ?? 'continue';
    }
    if (action === 'accept') return { verdict: 'accept', rule: here };
    if (action === 'drop' || action.startsWith('reject')) return { verdict: 'drop', rule: here };
    if (action === 'return') return { verdict: 'fallthrough', maybe };
    const to = /^(jump|goto) (\S+)$/.exec(action);
    if (!to) continue;
    const sub = walkChain(t, to[2]!, p, depth + 1);
    if (sub.verdict !== 'fallthrough') return sub;
    maybe ??= sub.maybe;
    if (to[1] === 'goto') return { verdict: 'fallthrough', maybe };
  }
  return { verdict: 'fallthrough', maybe };
}

const hookOf = (hook: string) => ({
  type: /^type (\S+)/.exec(hook)?.[1],
  hook: /\bhook (\S+)/.exec(hook)?.[1],
  policy: /\bpolicy (\w+)/.exec(hook)?.[1] ?? 'accept',
});

/** iptables-nft's own FORWARD chain, which fw.forward-policy reads through iptables-save. */
const isIptablesForward = (t: NftTableText, chain: string) => t.family === 'ip' && t.name === 'filter' && chain === 'FORWARD';

/** Every forward-hook drop-policy base chain of the ruleset and what it does with traffic in and out of `bridge`. */
export function nftForwardDrops(tables: NftTableText[], bridge: string): NftForwardDrop[] {
  const out: NftForwardDrop[] = [];
  for (const t of tables) {
    if (t.family !== 'ip' && t.family !== 'inet') continue;
    for (const [name, c] of t.chains) {
      if (!c.hook || isIptablesForward(t, name)) continue;
      const h = hookOf(c.hook);
      if (h.type !== 'filter' || h.hook !== 'forward' || h.policy !== 'drop') continue;
      const walk = walkChain(t, name, { iif: bridge, oif: bridge }, 0);
      const base = { family: t.family, table: t.name, chain: name, hook: c.hook };
      if (walk.verdict !== 'fallthrough') out.push({ ...base, verdict: walk.verdict, rule: walk.rule });
      else out.push({ ...base, verdict: walk.maybe ? 'unknown' : 'policy', rule: walk.maybe });
    }
  }
  return out;
}

/** The rule that lets the bridge's own traffic through one nft chain: inserted at its head, so that no drop before it is met. */
export function nftAcceptBridgeArgs(c: Pick<NftForwardDrop, 'family' | 'table' | 'chain'>, bridge: string): string {
  return `insert rule ${c.family} ${c.table} ${c.chain} iifname "${bridge}" oifname "${bridge}" accept`;
}
