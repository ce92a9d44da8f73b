import type { IptablesState, NftRuleset, TraceStep } from '../../host-reader.js';
import type { SiteTrace } from './trace-probe.js';
import { isBlocking, type CounterMove } from './rules.js';

/**
 * The rules and policies that dropped the probe, named from what the kernel
 * reported (nftrace: the rule that decided each traced packet) and from the
 * iptables counters that moved (the only account of iptables-legacy rules).
 * A rule in a table iptables-nft owns is named in iptables words (chain and
 * position, iptables-save's text), so its fix is the `iptables -D` users know.
 */
export interface NamedDrop {
  method: 'nftrace' | 'counters';
  /** 'host', or the container whose namespace holds it */
  where: string;
  kind: 'rule' | 'policy';
  family: string;
  table: string;
  chain: string;
  /** the nf_tables rule handle (null: a policy, or a rule known only by its iptables position) */
  handle: number | null;
  /** the rule as nft (or iptables-save) prints it; for a policy, "policy drop" */
  text: string;
  verb: 'drops' | 'rejects';
  /** a rule iptables names: its 1-based position and iptables-save text */
  iptables: { position: number; text: string } | null;
  /** packets its counter took during the counters' probe (counters only) */
  packets: number | null;
  /** the hook of a host base chain (a policy's fix depends on it) */
  hook: string | null;
}

/** The iptables view of the host's rules: iptables-nft-save's reading, and the nf_tables ruleset to map handles to positions. */
export interface IptablesView {
  state: IptablesState | null;
  ruleset: NftRuleset | null;
  /** ip6tables-nft-save's reading, for a probe dropped over IPv6 (absent: not read) */
  state6?: IptablesState | null;
}

/** What iptables-nft-save (family ip) or ip6tables-nft-save (ip6) lists of a family. */
const savedOf = (view: IptablesView, family: string) => (family === 'ip' ? view.state : family === 'ip6' ? view.state6 : null) ?? null;

/** A chain iptables-nft-save (or ip6tables-nft-save) lists: its rules are iptables rules. */
function ownedByIptables(view: IptablesView, family: string, table: string, chain: string): boolean {
  return !!savedOf(view, family)?.chains.some((c) => c.table === table && c.name === chain);
}

const chainOf = (view: IptablesView, s: TraceStep) =>
  view.ruleset?.tables.find((t) => t.family === s.family && t.name === s.table)?.chains.find((c) => c.name === s.chain) ?? null;

function iptablesWords(view: IptablesView, step: TraceStep): NamedDrop['iptables'] {
  if (step.handle === null || !ownedByIptables(view, step.family, step.table, step.chain)) return null;
  const rule = chainOf(view, step)?.rules.find((r) => r.handle === step.handle);
  if (!rule) return null;
  const position = rule.position + 1;
  const saved = savedOf(view, step.family)!.rules.find((r) => r.table === step.table && r.chain === step.chain && r.position === position);
  return saved ? { position, text: saved.text } : null;
}

const verbOf = (text: string): NamedDrop['verb'] => (/\breject\b|-j REJECT\b/.test(text) ? 'rejects' : 'drops');

/** The step that dropped each traced packet, site by site in path order, each rule or policy once. */
export function tracedDrops(sites: SiteTrace[], host: IptablesView): NamedDrop[] {
  const out: NamedDrop[] = [];
  const seen = new Set<string>();
  for (const site of sites) {
    for (const p of site.packets) {
      const s = p.decidedBy;
      if (p.verdict !== 'drop' || !s) continue;
      const key = `${site.where} ${s.family} ${s.table} ${s.chain} ${s.kind} ${s.handle}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ipt = site.where === 'host' ? iptablesWords(host, s) : null;
      // a counter's figures change from run to run: the rule is named without them
      const text = s.kind === 'policy' ? `policy ${s.verdict}` : (s.text ?? '').replace(/ counter packets \d+ bytes \d+/, ' counter');
      out.push({
        method: 'nftrace', where: site.where, kind: s.kind === 'policy' ? 'policy' : 'rule', family: s.family, table: s.table, chain: s.chain,
        handle: s.handle, text, verb: verbOf(ipt?.text ?? text), iptables: ipt, packets: null,
        hook: site.where === 'host' ? chainOf(host, s)?.hook ?? null : null,
      });
    }
  }
  return out;
}

/**
 * The DROP/REJECT rules whose counters moved that the trace did not name already (iptables-legacy's, or a trace that
 * could not run): iptables' (family ip) or ip6tables' (ip6).
 */
export function counterDrops(moves: CounterMove[], named: NamedDrop[], family: 'ip' | 'ip6' = 'ip'): NamedDrop[] {
  const byTrace = new Set(named.filter((d) => d.where === 'host' && d.iptables).map((d) => `${d.family} ${d.table} ${d.chain} ${d.iptables!.position}`));
  return moves
    .filter((m) => isBlocking(m.target) && !byTrace.has(`${family} ${m.table} ${m.chain} ${m.position}`))
    .map((m) => ({
      method: 'counters', where: 'host', kind: 'rule', family, table: m.table, chain: m.chain, handle: null, text: m.text,
      verb: m.target === 'REJECT' ? 'rejects' : 'drops', iptables: { position: m.position, text: m.text }, packets: m.packets, hook: null,
    }));
}

/** A policy of a chain iptables or ip6tables owns is fw.forward-policy's to name (it reads both); this check names the rest. */
export function isIptablesPolicy(d: NamedDrop, host: IptablesView): boolean {
  return d.kind === 'policy' && d.where === 'host' && (d.family === 'ip' || d.family === 'ip6') && ownedByIptables(host, d.family, d.table, d.chain);
}

/** The command that names and deletes a family's iptables rules. */
export const iptablesBinaryOf = (d: NamedDrop): string => (d.family === 'ip6' ? 'ip6tables' : 'iptables');

/** "filter TSDIAG-USER #1: -A ..." in iptables words, "inet filter forward handle 7: tcp dport 5432 drop" in nft's. */
export function describeDrop(d: NamedDrop): string {
  const where = d.where === 'host' ? '' : ` in ${d.where}'s namespace`;
  if (d.iptables) return `${d.family === 'ip6' ? 'ip6tables ' : ''}${d.table} ${d.chain} #${d.iptables.position}: ${d.iptables.text}${where}`;
  if (d.kind === 'policy') return `${d.family} ${d.table} ${d.chain} ${d.text}${where}`;
  return `${d.family} ${d.table} ${d.chain} handle ${d.handle}: ${d.text}${where}`;
}
