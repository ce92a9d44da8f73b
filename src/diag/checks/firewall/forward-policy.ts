import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import { cli, onHost, type FixTarget } from '../../fixes.js';
import { expectedRules, isJump, missingRules } from './expected.js';
import { currentRules, describeOutcome, firewallProbe, fixTargetOf, probeFailed, sharedBridge, sharedPassage, type ProbeOutcome } from './probe.js';
import { chainListing, describeRule, walkForward } from './rules.js';
import { PAIR_CHECKS, acceptBridgeFix, podmanReload } from './common.js';
import { nftAcceptBridgeArgs, nftForwardDrops, type NftForwardDrop } from './nft-forward.js';
import { parseNftRuleset } from './nft-ruleset-text.js';

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
  /** nftables base chains of the forward hook with policy drop (iptables-nft's FORWARD aside), and what each does with the bridge's traffic */
  nftDrops?: NftForwardDrop[];
}

const nftName = (c: NftForwardDrop) => `nft chain ${c.family} ${c.table} ${c.chain}`;

/** The accept rule, not `policy accept`: it lets this bridge through and keeps the drop for every other interface the chain guards. */
const nftAcceptFix = (f: FixTarget, c: NftForwardDrop, bridge: string) => onHost(f, `nft '${nftAcceptBridgeArgs(c, bridge)}'`);

export const fwForwardPolicy: Check<ForwardPolicyFacts> = {
  id: 'fw.forward-policy',
  title: 'the FORWARD policy does not drop the bridge\'s traffic',
  after: PAIR_CHECKS,
  async gather(ctx) {
    const bridge = sharedBridge(ctx);
    const probe = await firewallProbe(ctx);
    const rules = await currentRules(ctx);
    if (!rules) throw new Error('iptables-save failed');
    const walk = bridge ? walkForward(rules, sharedPassage(ctx, bridge)) : null;
    const expected = bridge && ctx.backend === 'native' ? expectedRules('native', ctx.target.networks, ctx.target.containers) : [];
    const forBridge = expected.filter((e) => !e.family && e.table === 'filter' && (isJump(e) || e.rule.includes(` ${bridge} `)));
    return {
      ...fixTargetOf(ctx), bridge,
      policy: rules.chains.find((c) => c.table === 'filter' && c.name === 'FORWARD')?.policy ?? null,
      listing: chainListing(rules, 'FORWARD'),
      walk: walk && { verdict: walk.verdict, rule: walk.rule && describeRule(walk.rule) },
      policyPackets: probe.inUse.policies.find((p) => p.table === 'filter' && p.chain === 'FORWARD')?.packets ?? 0,
      outcome: probe.outcome,
      restorable: missingRules(forBridge, rules.rules).map((e) => e.rule),
      nftDrops: bridge ? nftForwardDrops(parseNftRuleset((await ctx.host.nftRulesetText()) ?? ''), bridge) : [],
    };
  },
  judge(f) {
    if (!f.bridge || !f.walk) return skip(`${f.outcome.from} and ${f.outcome.to} share no bridge network`);
    const iptables = judgeIptables(f, f.bridge, f.walk);
    const drops = f.nftDrops ?? [];
    const blocking = drops.filter((c) => c.verdict === 'policy' || c.verdict === 'unknown');
    const nftEvidence = drops.map((c) => c.verdict === 'accept' || c.verdict === 'drop'
      ? `${nftName(c)} (${c.hook}) ${c.verdict === 'accept' ? 'accepts' : 'drops (see fw.rule-drop)'} ${f.bridge}'s traffic: ${c.rule}`
      : `${nftName(c)} (${c.hook}): nothing in it accepts ${f.bridge}'s traffic${c.rule ? ` (unless ${c.rule} does)` : ''}`);
    if (!blocking.length) return { ...iptables, evidence: [...iptables.evidence, ...nftEvidence] };
    const evidence = [...iptables.evidence, ...nftEvidence,
      'every base chain of the forward hook must accept a packet: an accept elsewhere does not undo this chain\'s drop',
      `the fix accepts ${f.bridge} in the chain itself rather than setting its policy to accept, which would open forwarding between every interface it guards`];
    if (blocking.some((c) => c.table === 'docker-bridges')) {
      evidence.push('Docker rewrites its docker-bridges table when it restarts: to keep forwarding for bridges it does not own, set "ip-forward-no-drop": true in daemon.json');
    }
    const what = probeFailed(f.outcome) ? `${f.outcome.from} -> ${f.outcome.to} is dropped by it` : 'traffic leaving it (outbound, published ports) is dropped';
    const fixes = [...(iptables.status === 'fail' && iptables.fix ? [iptables.fix] : []), ...blocking.map((c) => nftAcceptFix(f, c, f.bridge!))];
    // a rule whose matches the walk cannot evaluate may still accept the bridge: a warning, unless a chain surely drops it
    const sure = iptables.status === 'fail' || blocking.some((c) => c.verdict === 'policy');
    const summary = blocking.length === 1
      ? `${nftName(blocking[0]!)} has policy drop and nothing in it ${sure ? '' : 'surely '}accepts ${f.bridge}'s traffic: ${what}`
      : `nft chains ${blocking.map((c) => `${c.family} ${c.table} ${c.chain}`).join(', ')} have policy drop and nothing in them ${sure ? '' : 'surely '}accept ${f.bridge}'s traffic: ${what}`;
    return (sure ? fail : warn)(iptables.status === 'fail' ? `${summary}; ${iptables.summary}` : summary, evidence, fixes.join(' && '));
  },
};

/** The iptables FORWARD chain's policy, as tsdiag's and Docker's iptables rules see it. */
function judgeIptables(f: ForwardPolicyFacts, bridge: string, walk: NonNullable<ForwardPolicyFacts['walk']>): Verdict {
  const evidence = [...f.listing, describeOutcome(f.outcome)];
  if (f.policy !== 'DROP') return pass(`FORWARD policy ${f.policy ?? 'ACCEPT'}`, evidence);
  evidence.push(`FORWARD policy DROP counted ${f.policyPackets} packet(s) during the probe`);
  if (!f.policyPackets && walk.verdict === 'accept') return pass(`FORWARD policy DROP, but ${bridge}'s traffic is accepted by ${walk.rule}`, evidence);
  if (!f.policyPackets && walk.verdict === 'drop') return pass(`the FORWARD policy is not reached: ${walk.rule} decides first (see fw.rule-drop)`, evidence);
  for (const r of f.restorable) evidence.push(`missing: ${r}`);
  const what = f.policyPackets && probeFailed(f.outcome)
    ? `${f.outcome.from} -> ${f.outcome.to} is dropped by it`
    : 'traffic leaving it (outbound, published ports) is dropped';
  // netavark accepts its subnets in NETAVARK_FORWARD: when nothing accepts, its rules are gone and a reload puts them back
  const fix = f.backend === 'native' && f.restorable.length ? cli(f, 'system reconcile')
    : f.backend === 'podman' ? podmanReload(f) : acceptBridgeFix(f, bridge);
  return fail(`FORWARD policy DROP and nothing accepts ${bridge}'s traffic: ${what}`, evidence, fix);
}
