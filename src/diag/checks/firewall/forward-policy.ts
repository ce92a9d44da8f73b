import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import { cli, onHost, type FixTarget } from '../../fixes.js';
import { familyOfAddress, type Family } from '../../families.js';
import type { IptablesState } from '../../host-reader.js';
import { expectedRules, isJump, missingRules } from './expected.js';
import {
  currentRules, currentRules6, describeOutcome, firewallProbe, fixTargetOf, probeFailed, sharedBridge, sharedPassage, type BackendCounters, type ProbeOutcome,
} from './probe.js';
import { chainListing, describeRule, walkForward, type ForwardWalk } from './rules.js';
import { PAIR_CHECKS, acceptBridgeFix, bothFamilies, podmanReload } from './common.js';
import { nftAcceptBridgeArgs, nftForwardDrops, type NftForwardDrop } from './nft-forward.js';
import { parseNftRuleset } from './nft-ruleset-text.js';

/** One family's FORWARD chain (iptables' or ip6tables'), as the bridge's traffic meets it. */
export interface ForwardChainFacts {
  policy: string | null;
  /** `iptables -S FORWARD` (`ip6tables -S FORWARD`) */
  listing: string[];
  /** where the bridge's own traffic (in and out by the bridge) ends, by the rules alone */
  walk: { verdict: 'accept' | 'drop' | 'policy'; rule: string | null } | null;
  /** packets the FORWARD policy took during the probe */
  policyPackets: number;
  /** tsdiag's rules for the bridge that are missing (what `system reconcile` puts back) */
  restorable: string[];
}

export interface ForwardPolicyFacts extends FixTarget, ForwardChainFacts {
  bridge: string | null;
  outcome: ProbeOutcome;
  /** nftables base chains of the forward hook with policy drop (iptables-nft's FORWARD aside), and what each does with the bridge's traffic */
  nftDrops?: NftForwardDrop[];
  /** ip6tables' FORWARD, where the pair shares IPv6 (absent: IPv4 only) */
  ipv6?: ForwardChainFacts;
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
    const forBridge = (family?: 6) => expected.filter((e) => e.family === family && e.table === 'filter' && (isJump(e) || e.rule.includes(` ${bridge} `)));
    const rules6 = bridge && ctx.families().includes(6) ? await currentRules6(ctx) : null;
    const ipv6: ForwardChainFacts | null = rules6 && {
      policy: forwardPolicyOf(rules6),
      listing: chainListing(rules6, 'FORWARD'),
      walk: describeWalk(walkForward(rules6, sharedPassage(ctx, bridge!, 6)), 'ip6tables '),
      policyPackets: forwardPolicyPackets(probe.inUse6),
      restorable: missingRules(forBridge(6), rules6.rules.map((r) => ({ table: r.table, text: r.text, family: 6 as const }))).map((e) => e.rule),
    };
    return {
      ...fixTargetOf(ctx), bridge,
      policy: forwardPolicyOf(rules),
      listing: chainListing(rules, 'FORWARD'),
      walk: walk && describeWalk(walk),
      policyPackets: forwardPolicyPackets(probe.inUse),
      outcome: probe.outcome,
      restorable: missingRules(forBridge(), rules.rules).map((e) => e.rule),
      nftDrops: bridge ? nftForwardDrops(parseNftRuleset((await ctx.host.nftRulesetText()) ?? ''), bridge) : [],
      ...(ipv6 && { ipv6 }),
    };
  },
  judge(f) {
    if (!f.bridge || !f.walk) return skip(`${f.outcome.from} and ${f.outcome.to} share no bridge network`);
    const iptables = bothFamilies(judgeIptables(f, f.bridge, { ...f, walk: f.walk }, 4), f.ipv6?.walk ? judgeIptables(f, f.bridge, { ...f.ipv6, walk: f.ipv6.walk }, 6) : null);
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

const forwardPolicyOf = (rules: IptablesState) => rules.chains.find((c) => c.table === 'filter' && c.name === 'FORWARD')?.policy ?? null;
const forwardPolicyPackets = (c: BackendCounters | undefined) => c?.policies.find((p) => p.table === 'filter' && p.chain === 'FORWARD')?.packets ?? 0;
const describeWalk = (w: ForwardWalk, tool = '') => ({ verdict: w.verdict, rule: w.rule && `${tool}${describeRule(w.rule)}` });

/**
 * One family's FORWARD chain policy, as tsdiag's and Docker's rules see it:
 * iptables' for IPv4, ip6tables' for IPv6 (named so, the bridge's IPv6 traffic).
 */
function judgeIptables(f: ForwardPolicyFacts, bridge: string, c: ForwardChainFacts & { walk: NonNullable<ForwardChainFacts['walk']> }, family: Family): Verdict {
  const tool = family === 6 ? 'ip6tables' : 'iptables';
  const chain = family === 6 ? 'ip6tables FORWARD' : 'FORWARD';
  const traffic = family === 6 ? `${bridge}'s IPv6 traffic` : `${bridge}'s traffic`;
  const evidence = family === 6 ? c.listing.map((l) => `ip6tables ${l}`) : [...c.listing, describeOutcome(f.outcome)];
  if (c.policy !== 'DROP') return pass(`${chain} policy ${c.policy ?? 'ACCEPT'}`, evidence);
  evidence.push(`${chain} policy DROP counted ${c.policyPackets} packet(s) during the probe`);
  const { walk } = c;
  if (!c.policyPackets && walk.verdict === 'accept') return pass(`${chain} policy DROP, but ${traffic} is accepted by ${walk.rule}`, evidence);
  if (!c.policyPackets && walk.verdict === 'drop') return pass(`the ${chain} policy is not reached: ${walk.rule} decides first (see fw.rule-drop)`, evidence);
  const over = f.outcome.addr ? familyOfAddress(f.outcome.addr) : 4;
  // netavark accepts IPv6 by subnet: the bridge's link-local neighbour discovery and multicast (fe80::, ff02::) meet the policy, the pair's traffic does not
  if (family === 6 && walk.verdict === 'accept' && !(probeFailed(f.outcome) && over === 6)) {
    return warn(`${chain} policy DROP, but ${traffic} is accepted by ${walk.rule}; the policy still took ${c.policyPackets} packet(s) during the probe `
      + 'that no rule accepts: link-local neighbour discovery or multicast on the bridge, or traffic leaving it', evidence, acceptBridgeFix(f, bridge, tool));
  }
  for (const r of c.restorable) evidence.push(`missing: ${family === 6 ? 'ip6tables ' : ''}${r}`);
  const what = c.policyPackets && probeFailed(f.outcome) && over === family
    ? `${f.outcome.from} -> ${f.outcome.to}${family === 6 ? ' over IPv6' : ''} is dropped by it`
    : 'traffic leaving it (outbound, published ports) is dropped';
  // netavark accepts its subnets in NETAVARK_FORWARD: when nothing accepts, its rules are gone and a reload puts them back
  const fix = f.backend === 'native' && c.restorable.length ? cli(f, 'system reconcile')
    : f.backend === 'podman' ? podmanReload(f) : acceptBridgeFix(f, bridge, tool);
  return fail(`${chain} policy DROP and nothing accepts ${traffic}: ${what}`, evidence, fix);
}
