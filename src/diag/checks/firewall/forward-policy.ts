import { fail, pass, skip, type Check } from '../../check.js';
import { cli, type FixTarget } from '../../fixes.js';
import { expectedRules, isJump, missingRules } from './expected.js';
import { currentRules, describeOutcome, firewallProbe, fixTargetOf, probeFailed, sharedBridge, type ProbeOutcome } from './probe.js';
import { chainListing, describeRule, walkForward } from './rules.js';
import { PAIR_CHECKS, acceptBridgeFix } from './common.js';

export interface ForwardPolicyFacts extends FixTarget {
  bridge: string | null;
  policy: string | null;
  /** `iptables -S FORWARD` */
  listing: string[];
  /** where the bridge's own traffic (in and out by the bridge) ends, by the rules alone */
  walk: { verdict: 'accept' | 'drop' | 'policy'; rule: string | null } | null;
  /** packets the FORWARD policy took during the probe */
  policyPackets: number;
  outcome: ProbeOutcome;
  /** tsdiag's rules for the bridge that are missing (what `system reconcile` puts back) */
  restorable: string[];
}

export const fwForwardPolicy: Check<ForwardPolicyFacts> = {
  id: 'fw.forward-policy',
  title: 'the FORWARD policy does not drop the bridge\'s traffic',
  after: PAIR_CHECKS,
  async gather(ctx) {
    const bridge = sharedBridge(ctx);
    const probe = await firewallProbe(ctx);
    const rules = await currentRules(ctx);
    if (!rules) throw new Error('iptables-save failed');
    const walk = bridge ? walkForward(rules, { in: bridge, out: bridge }) : null;
    const expected = bridge && ctx.backend === 'native' ? expectedRules('native', ctx.target.networks, ctx.target.containers) : [];
    const forBridge = expected.filter((e) => e.table === 'filter' && (isJump(e) || e.rule.includes(` ${bridge} `)));
    return {
      ...fixTargetOf(ctx), bridge,
      policy: rules.chains.find((c) => c.table === 'filter' && c.name === 'FORWARD')?.policy ?? null,
      listing: chainListing(rules, 'FORWARD'),
      walk: walk && { verdict: walk.verdict, rule: walk.rule && describeRule(walk.rule) },
      policyPackets: probe.inUse.policies.find((p) => p.table === 'filter' && p.chain === 'FORWARD')?.packets ?? 0,
      outcome: probe.outcome,
      restorable: missingRules(forBridge, rules.rules).map((e) => e.rule),
    };
  },
  judge(f) {
    if (!f.bridge || !f.walk) return skip(`${f.outcome.from} and ${f.outcome.to} share no bridge network`);
    const evidence = [...f.listing, describeOutcome(f.outcome)];
    if (f.policy !== 'DROP') return pass(`FORWARD policy ${f.policy ?? 'ACCEPT'}`, evidence);
    evidence.push(`FORWARD policy DROP counted ${f.policyPackets} packet(s) during the probe`);
    if (!f.policyPackets && f.walk.verdict === 'accept') return pass(`FORWARD policy DROP, but ${f.bridge}'s traffic is accepted by ${f.walk.rule}`, evidence);
    if (!f.policyPackets && f.walk.verdict === 'drop') return pass(`the FORWARD policy is not reached: ${f.walk.rule} decides first (see fw.rule-drop)`, evidence);
    for (const r of f.restorable) evidence.push(`missing: ${r}`);
    const what = f.policyPackets && probeFailed(f.outcome)
      ? `${f.outcome.from} -> ${f.outcome.to} is dropped by it`
      : 'traffic leaving it (outbound, published ports) is dropped';
    const fix = f.backend === 'native' && f.restorable.length ? cli(f, 'system reconcile') : acceptBridgeFix(f, f.bridge);
    return fail(`FORWARD policy DROP and nothing accepts ${f.bridge}'s traffic: ${what}`, evidence, fix);
  },
};
