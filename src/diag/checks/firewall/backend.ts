import { fail, pass, skip, warn, type Check } from '../../check.js';
import type { FixTarget } from '../../fixes.js';
import { describeOutcome, firewallProbe, fixTargetOf, probeFailed, type ProbeOutcome } from './probe.js';
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
}

export const fwBackend: Check<BackendFacts> = {
  id: 'fw.backend',
  title: 'every rule is in the iptables backend tsdiag reads',
  async gather(ctx) {
    const probe = await firewallProbe(ctx);
    const now = probe.otherNow;
    const movedBy = (key: string) => probe.other.rules.find((r) => ruleKey(r) === key)?.packets ?? 0;
    return {
      ...fixTargetOf(ctx), outcome: probe.outcome, inUse: probe.inUse.backend, other: probe.other.backend, otherInstalled: !!now,
      otherRules: (now?.rules ?? []).map((r) => ({
        table: r.table, chain: r.chain, position: r.position, text: r.text, target: r.target, moved: movedBy(ruleKey(r)),
      })),
      otherDropPolicies: (now?.chains ?? []).filter((c) => c.policy === 'DROP').map((c) => ({
        table: c.table, chain: c.name, moved: probe.other.policies.find((p) => p.table === c.table && p.chain === c.name)?.packets ?? 0,
      })),
    };
  },
  judge(f) {
    const used = `iptables-${f.inUse}`;
    const other = `iptables-${f.other}`;
    if (!f.otherInstalled) return skip(`${other} is not installed: every rule is in ${used}`);
    const blocking = f.otherRules.filter((r) => isBlocking(r.target));
    const evidence = [`iptables (and tsdiag) use ${used}`, `${other} holds ${f.otherRules.length} rule(s)`];
    if (!blocking.length && !f.otherDropPolicies.length) {
      return pass(f.otherRules.length ? `${other} holds ${f.otherRules.length} rule(s), none of them drops` : `no rules in ${other}: all are in ${used}`, evidence);
    }
    for (const r of blocking) evidence.push(`${other}: ${describeRule(r)}  [+${r.moved} packet(s) during the probe]`);
    for (const p of f.otherDropPolicies) evidence.push(`${other}: ${p.table} ${p.chain} policy DROP  [+${p.moved} packet(s) during the probe]`);
    evidence.push(describeOutcome(f.outcome));
    const fix = joinOnHost(f, [
      ...deleteRulesCommands(blocking, other),
      ...f.otherDropPolicies.map((p) => `${other}${p.table === 'filter' ? '' : ` -t ${p.table}`} -P ${p.chain} ACCEPT`),
    ]);
    const hit = blocking.find((r) => r.moved > 0);
    const policyHit = f.otherDropPolicies.find((p) => p.moved > 0);
    const first = hit ? describeRule(hit) : policyHit ? `${policyHit.table} ${policyHit.chain} policy DROP` : null;
    if (first && probeFailed(f.outcome)) {
      return fail(`${other} drops ${f.outcome.from} -> ${f.outcome.to}, out of sight of ${used} that tsdiag reads: ${first}`, evidence, fix);
    }
    return warn(`rules are split: ${other} holds ${blocking.length + f.otherDropPolicies.length} DROP/REJECT rule(s) or policies that ${used} does not show`, evidence, fix);
  },
};
