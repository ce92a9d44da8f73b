import { fail, pass, skip, warn, type Check } from '../../check.js';
import type { FixTarget } from '../../fixes.js';
import type { IptablesState } from '../../host-reader.js';
import { familyOfAddress } from '../../families.js';
import { describeOutcome, firewallProbe, fixTargetOf, probeFailed, type BackendCounters, type ProbeOutcome } from './probe.js';
import { deleteRulesCommands, describeRule, isBlocking, ruleKey } from './rules.js';
import { joinOnHost } from './common.js';

export interface BackendRule {
  table: string;
  chain: string;
  position: number;
  text: string;
  target: string | null;
  /** packets it counted during the probe */
  moved: number;
}

export interface BackendFacts extends FixTarget {
  outcome: ProbeOutcome;
  inUse: 'nft' | 'legacy';
  other: 'nft' | 'legacy';
  otherInstalled: boolean;
  otherRules: BackendRule[];
  /** built-in chains of the other backend whose policy is DROP, with the packets it took during the probe */
  otherDropPolicies: Array<{ table: string; chain: string; moved: number }>;
  /** the other backend's ip6tables, where the pair shares IPv6 (absent: IPv4 only, or not installed) */
  other6?: { rules: BackendRule[]; dropPolicies: BackendFacts['otherDropPolicies'] };
}

/** The other backend's rules and DROP policies as read after the probe, with what each counted during it. */
function otherOf(now: IptablesState, counters: BackendCounters | undefined) {
  const movedBy = (key: string) => counters?.rules.find((r) => ruleKey(r) === key)?.packets ?? 0;
  return {
    rules: now.rules.map((r) => ({ table: r.table, chain: r.chain, position: r.position, text: r.text, target: r.target, moved: movedBy(ruleKey(r)) })),
    dropPolicies: now.chains.filter((c) => c.policy === 'DROP').map((c) => ({
      table: c.table, chain: c.name, moved: counters?.policies.find((p) => p.table === c.table && p.chain === c.name)?.packets ?? 0,
    })),
  };
}

export const fwBackend: Check<BackendFacts> = {
  id: 'fw.backend',
  title: 'every rule is in the iptables backend tsdiag reads',
  async gather(ctx) {
    const probe = await firewallProbe(ctx);
    const now = probe.otherNow;
    const v4 = otherOf(now ?? { chains: [], rules: [] } as unknown as IptablesState, probe.other);
    return {
      ...fixTargetOf(ctx), outcome: probe.outcome, inUse: probe.inUse.backend, other: probe.other.backend, otherInstalled: !!now,
      otherRules: v4.rules, otherDropPolicies: v4.dropPolicies,
      ...(probe.otherNow6 && { other6: otherOf(probe.otherNow6, probe.other6) }),
    };
  },
  judge(f) {
    const used = `iptables-${f.inUse}`;
    const other = `iptables-${f.other}`;
    if (!f.otherInstalled) return skip(`${other} is not installed: every rule is in ${used}`);
    // each family's rules in the other backend, with the binary that lists and deletes them
    const sets = [
      { binary: other, rules: f.otherRules, policies: f.otherDropPolicies, over: '', family: 4 },
      ...(f.other6 ? [{ binary: `ip6tables-${f.other}`, rules: f.other6.rules, policies: f.other6.dropPolicies, over: ' over IPv6', family: 6 }] : []),
    ].map((s) => ({ ...s, blocking: s.rules.filter((r) => isBlocking(r.target)) }));
    const evidence = [`iptables (and tsdiag) use ${used}`, ...sets.map((s) => `${s.binary} holds ${s.rules.length} rule(s)`)];
    const total = sets.reduce((n, s) => n + s.rules.length, 0);
    if (sets.every((s) => !s.blocking.length && !s.policies.length)) {
      return pass(total ? `${sets.map((s) => s.binary).join(' and ')} hold ${total} rule(s), none of them drops` : `no rules in ${other}: all are in ${used}`, evidence);
    }
    for (const s of sets) {
      for (const r of s.blocking) evidence.push(`${s.binary}: ${describeRule(r)}  [+${r.moved} packet(s) during the probe]`);
      for (const p of s.policies) evidence.push(`${s.binary}: ${p.table} ${p.chain} policy DROP  [+${p.moved} packet(s) during the probe]`);
    }
    evidence.push(describeOutcome(f.outcome));
    const fix = joinOnHost(f, sets.flatMap((s) => [
      ...deleteRulesCommands(s.blocking, s.binary),
      ...s.policies.map((p) => `${s.binary}${p.table === 'filter' ? '' : ` -t ${p.table}`} -P ${p.chain} ACCEPT`),
    ]));
    const hits = sets.flatMap((s) => {
      const hit = s.blocking.find((r) => r.moved > 0);
      const policyHit = s.policies.find((p) => p.moved > 0);
      const first = hit ? describeRule(hit) : policyHit ? `${policyHit.table} ${policyHit.chain} policy DROP` : null;
      return first ? [{ ...s, first }] : [];
    });
    if (hits.length && probeFailed(f.outcome)) {
      // the family the failed probe went over (a dual-stack pair's goes over IPv6 only when IPv4 got through)
      const failedOver = f.outcome.addr && familyOfAddress(f.outcome.addr);
      const h = hits.find((x) => x.family === failedOver) ?? hits[0]!;
      return fail(`${h.binary} drops ${f.outcome.from} -> ${f.outcome.to}${h.over}, out of sight of ${used} that tsdiag reads: ${h.first}`, evidence, fix);
    }
    const count = sets.reduce((n, s) => n + s.blocking.length + s.policies.length, 0);
    const where = sets.filter((s) => s.blocking.length || s.policies.length).map((s) => s.binary).join(' and ');
    return warn(`rules are split: ${where} holds ${count} DROP/REJECT rule(s) or policies that ${used} does not show`, evidence, fix);
  },
};
