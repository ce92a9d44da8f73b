import { fail, pass, skip, warn, type Check } from '../../check.js';
import { currentRules, currentRules6, describeOutcome, firewallProbe, probeFailed, type ProbeOutcome } from './probe.js';
import { deleteRulesCommands, describeRule, isBlocking, type CounterMove } from './rules.js';
import { PAIR_CHECKS, joinOnHost } from './common.js';
import { counterDrops, describeDrop, isIptablesPolicy, tracedDrops, type NamedDrop } from './nft-drops.js';
import { dropFixes, dropFixTargetOf, type DropFixTarget } from './nft-fixes.js';
import { tracedProbe } from './trace-probe.js';

export interface TraceSummary {
  /** what the traced probe saw */
  result: string;
  ms: number;
  sites: Array<{ where: string; packets: number; drops: number; error: string | null }>;
}

export interface RuleDropFacts extends DropFixTarget {
  outcome: ProbeOutcome;
  /** DROP/REJECT rules whose counter moved during the probe */
  dropped: CounterMove[];
  /** the same of ip6tables, where the pair shares IPv6 (the only account of ip6tables-legacy's rules) */
  dropped6?: CounterMove[];
  /** how many DROP/REJECT rules there are */
  blockingRules: number;
  /** the failed probe sent again under nftrace (null: the probe passed) */
  trace: TraceSummary | null;
  /** what nftrace saw drop the failed probe, in path order (absent from facts recorded before nftrace) */
  traced?: NamedDrop[];
}

const isIsolation = (chain: string) => /^(TSDIAG|DOCKER)-ISOLATION/.test(chain);

function summarize(d: NamedDrop, from: string, to: string): string {
  const what = d.iptables
    ? `rule #${d.iptables.position} of ${d.family === 'ip6' ? 'ip6tables ' : ''}${d.table} ${d.chain}`
    : d.kind === 'policy' ? `the ${d.text} of ${d.family} ${d.table} ${d.chain}` : `rule handle ${d.handle} of ${d.family} ${d.table} ${d.chain}`;
  const where = d.where === 'host' ? '' : ` (in ${d.where}'s namespace)`;
  const text = d.kind === 'policy' ? '' : `: ${d.iptables?.text ?? d.text}`;
  return `${what}${where} ${d.verb} ${from} -> ${to}${text}`;
}

function traceEvidence(t: TraceSummary): string[] {
  return [
    `traced probe: ${t.result} (${t.ms.toFixed(0)} ms with nftrace)`,
    ...t.sites.map((s) => `nftrace in ${s.where === 'host' ? 'the host namespace' : `${s.where}'s namespace`}: ${s.error ? `not traced (${s.error})` : `${s.packets} packet(s), ${s.drops} dropped`}`),
  ];
}

export const fwRuleDrop: Check<RuleDropFacts> = {
  id: 'fw.rule-drop',
  title: 'no firewall rule drops or rejects the traffic',
  after: PAIR_CHECKS,
  // a base chain's drop policy on the forward hook is fw.forward-policy's to name
  consequenceOf: ['fw.forward-policy'],
  async gather(ctx) {
    const probe = await firewallProbe(ctx);
    const [rules, rules6, traced] = await Promise.all([currentRules(ctx), probe.inUse6 ? currentRules6(ctx) : null, tracedProbe(ctx)]);
    const dropped = probe.inUse.rules.filter((r) => isBlocking(r.target));
    const blocking = (s: typeof rules) => s?.rules.filter((r) => isBlocking(r.target)).length ?? 0;
    const base = {
      ...dropFixTargetOf(ctx), outcome: probe.outcome, dropped, blockingRules: blocking(rules) + blocking(rules6),
      ...(probe.inUse6 && { dropped6: probe.inUse6.rules.filter((r) => isBlocking(r.target)) }),
    };
    if (!traced) return { ...base, trace: null, traced: [] };
    const over6 = !!probe.outcome.addr?.includes(':');
    const [ruleset, state6] = await Promise.all([ctx.host.nftRuleset().catch(() => null), over6 ? ctx.host.ip6tables('nft') : null]);
    const view = { state: probe.inUse.backend === 'nft' ? rules : probe.otherNow, ruleset, state6 };
    const fromTrace = tracedDrops(traced.sites, view).filter((d) => !isIptablesPolicy(d, view));
    return {
      ...base,
      trace: {
        result: traced.result, ms: traced.ms,
        sites: traced.sites.map((s) => ({ where: s.where, packets: s.packets.length, drops: s.packets.filter((p) => p.verdict === 'drop').length, error: s.error })),
      },
      traced: fromTrace,
    };
  },
  judge(f) {
    if (f.outcome.pingAlive === null && f.outcome.connect === null) return skip(`${f.outcome.to} has no IPv4 address to probe`);
    const probe = describeOutcome(f.outcome);
    const { from, to } = f.outcome;
    const dropped6 = f.dropped6 ?? [];
    if (!probeFailed(f.outcome)) {
      if (!f.dropped.length && !dropped6.length) return pass(`none of the ${f.blockingRules} DROP/REJECT rules counted the probe's packets`, [probe]);
      const described = [...f.dropped.map((r) => describeRule(r)), ...dropped6.map((r) => `ip6tables ${describeRule(r)}`)];
      const first = [...f.dropped, ...dropped6][0]!;
      const evidence = [probe, ...[...f.dropped, ...dropped6].map((r, k) => `${described[k]}  [+${r.packets} packet(s) during the probe]`)];
      return warn(`${described[0]} ${first.target === 'REJECT' ? 'rejects' : 'drops'} some of the probe's packets, yet the traffic got through`,
        evidence, joinOnHost(f, [...deleteRulesCommands(f.dropped), ...deleteRulesCommands(dropped6, 'ip6tables')]));
    }
    const evidence = [probe, ...(f.trace ? traceEvidence(f.trace) : [])];
    // counters name what the trace cannot see: iptables-legacy's rules (ip6tables' too), a namespace it could not enter
    const drops = [...(f.traced ?? []), ...counterDrops(f.dropped, f.traced ?? []), ...counterDrops(dropped6, f.traced ?? [], 'ip6')];
    if (!drops.length) {
      return pass(`no firewall rule or policy dropped the failed probe: none of the ${f.blockingRules} DROP/REJECT iptables rules counted it${f.trace ? ', and nftrace saw every nf_tables rule it met accept it' : ''}`, evidence);
    }
    evidence.push(...drops.map((d) => `${describeDrop(d)}  ${d.packets !== null ? `[+${d.packets} packet(s) during the probe] (named by ${d.method})` : `[named by ${d.method}]`}`));
    const first = drops[0]!;
    if (drops.every((d) => d.iptables && isIsolation(d.chain))) {
      return fail(`network isolation (${describeDrop(first)}) ${first.verb} ${from} -> ${to}: they are on different networks`, evidence, null);
    }
    const own = drops.filter((d) => !(d.iptables && isIsolation(d.chain)));
    // the probe of a dual-stack pair goes over IPv6 only when IPv4 got through
    const only6 = f.outcome.addr?.includes(':') ? `${to} answers over IPv4 but not IPv6 (${f.outcome.addr}): ` : '';
    return fail(`${only6}${summarize(own[0]!, from, to)}`, evidence, dropFixes(f, own));
  },
};
