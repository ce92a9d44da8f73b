import { fail, pass, skip, warn, type Check } from '../../check.js';
import { cli, onHost, type FixTarget } from '../../fixes.js';
import { expectedRules, isJump, missingRules, type ExpectedRule, type PresentRules } from './expected.js';
import { currentRules, describeOutcome, firewallProbe, fixTargetOf, probeFailed, sharedBridge, type ProbeOutcome } from './probe.js';
import {
  chainListing, deleteRulesCommands, describeRule, isBlocking, ruleKey, walkForward, type CounterMove,
} from './rules.js';

const PAIR_CHECKS = ['topology.exists', 'topology.common-network'];

/** The one rule that lets a bridge's own traffic through FORWARD, as Docker's bridge driver puts it. */
export function acceptBridgeFix(t: FixTarget, bridge: string): string {
  return onHost(t, `iptables -I FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
}

const joinOnHost = (t: FixTarget, cmds: string[]) => cmds.map((c) => onHost(t, c)).join(' && ');

// ---------------------------------------------------------------- fw.forward-policy

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

// ---------------------------------------------------------------- fw.rule-drop

export interface RuleDropFacts extends FixTarget {
  outcome: ProbeOutcome;
  /** DROP/REJECT rules whose counter moved during the probe */
  dropped: CounterMove[];
  /** how many DROP/REJECT rules there are */
  blockingRules: number;
}

const isIsolation = (chain: string) => /^(TSDIAG|DOCKER)-ISOLATION/.test(chain);

export const fwRuleDrop: Check<RuleDropFacts> = {
  id: 'fw.rule-drop',
  title: 'no firewall rule drops or rejects the traffic',
  after: PAIR_CHECKS,
  async gather(ctx) {
    const probe = await firewallProbe(ctx);
    const rules = await currentRules(ctx);
    return {
      ...fixTargetOf(ctx), outcome: probe.outcome,
      dropped: probe.inUse.rules.filter((r) => isBlocking(r.target)),
      blockingRules: rules?.rules.filter((r) => isBlocking(r.target)).length ?? 0,
    };
  },
  judge(f) {
    if (f.outcome.pingAlive === null && f.outcome.connect === null) return skip(`${f.outcome.to} has no IPv4 address to probe`);
    const probe = describeOutcome(f.outcome);
    if (!f.dropped.length) return pass(`none of the ${f.blockingRules} DROP/REJECT rules counted the probe's packets`, [probe]);
    const evidence = [probe, ...f.dropped.map((r) => `${describeRule(r)}  [+${r.packets} packet(s) during the probe]`)];
    const first = f.dropped[0]!;
    const verb = first.target === 'REJECT' ? 'rejects' : 'drops';
    if (!probeFailed(f.outcome)) {
      return warn(`${describeRule(first)} ${verb} some of the probe's packets, yet the traffic got through`, evidence, joinOnHost(f, deleteRulesCommands(f.dropped)));
    }
    if (f.dropped.every((r) => isIsolation(r.chain))) {
      return fail(`network isolation (${describeRule(first)}) ${verb} ${f.outcome.from} -> ${f.outcome.to}: they are on different networks`, evidence, null);
    }
    const own = f.dropped.filter((r) => !isIsolation(r.chain));
    return fail(`rule #${first.position} of ${first.table} ${first.chain} ${verb} ${f.outcome.from} -> ${f.outcome.to}: ${first.text}`, evidence,
      joinOnHost(f, deleteRulesCommands(own)));
  },
};

// ---------------------------------------------------------------- fw.chains-intact

export interface ChainsFacts extends FixTarget {
  expected: ExpectedRule[];
  present: PresentRules;
}

/** The chain a jump leads to. */
const jumpTarget = (e: ExpectedRule) => / -j (\S+)/.exec(e.rule)?.[1] ?? '';
const isNat = (e: ExpectedRule) => /MASQUERADE|DNAT/.test(e.rule);
const withTable = (e: ExpectedRule) => (e.table === 'filter' ? e.rule : `-t ${e.table} ${e.rule}`);

/**
 * A chain's first expected jump (TSDIAG-USER / DOCKER-USER) standing after
 * one of the others: user rules must see traffic before the backend accepts
 * it. The other jumps may stand in any order (Docker inserts each new bridge's
 * jump at the top). With the commands that move it in front: its present text
 * and the position of the first one it must precede.
 */
function misplacedJump(expected: ExpectedRule[], present: PresentRules): { jump: ExpectedRule; moves: string[] } | null {
  const chains = new Map<string, ExpectedRule[]>();
  for (const e of expected.filter(isJump)) chains.set(`${e.table} ${e.chain}`, [...(chains.get(`${e.table} ${e.chain}`) ?? []), e]);
  for (const jumps of chains.values()) {
    const at = jumps.map((e) => present.findIndex((p) => p.table === e.table && new RegExp(e.pattern).test(p.text)));
    const head = at[0]!;
    const later = at.findIndex((idx, k) => k > 0 && idx >= 0 && head > idx);
    if (head < 0 || later < 0) continue;
    const e = jumps[0]!;
    const line = present[head]!.text;
    const position = present.slice(0, at[later]!).filter((p) => p.table === e.table && p.text.startsWith(`-A ${e.chain} `)).length + 1;
    const t = e.table === 'filter' ? '' : ` -t ${e.table}`;
    const spec = line.slice(`-A ${e.chain} `.length);
    return { jump: e, moves: [`iptables${t} -D ${e.chain} ${spec}`, `iptables${t} -I ${e.chain} ${position} ${spec}`] };
  }
  return null;
}

export const fwChainsIntact: Check<ChainsFacts> = {
  id: 'fw.chains-intact',
  title: 'the NAT and forwarding rules the networks need are present',
  async gather(ctx) {
    const rules = await currentRules(ctx);
    if (!rules) throw new Error('iptables-save failed');
    return {
      ...fixTargetOf(ctx),
      expected: expectedRules(ctx.inventory.backend, ctx.target.networks, ctx.target.containers),
      present: rules.rules.filter((r) => r.table === 'filter' || r.table === 'nat').map((r) => ({ table: r.table, text: r.text })),
    };
  },
  judge(f) {
    if (!f.expected.length) return pass('no bridge network: no NAT or forwarding rules needed');
    const missing = missingRules(f.expected, f.present);
    const misplaced = missing.length ? null : misplacedJump(f.expected, f.present);
    if (misplaced) {
      return fail(`${misplaced.jump.purpose} comes after the jumps it must precede: traffic is decided before user rules see it`,
        f.present.filter((p) => p.table === misplaced.jump.table && p.text.startsWith(`-A ${misplaced.jump.chain} `)).map((p) => p.text),
        joinOnHost(f, misplaced.moves));
    }
    if (!missing.length) {
      return pass(`all ${f.expected.length} rules the networks need are present`, f.expected.filter((e) => isJump(e) || isNat(e)).map((e) => `present: ${e.purpose}`));
    }
    const evidence: string[] = [];
    for (const m of missing) {
      evidence.push(`missing: ${withTable(m)}  (${m.purpose})`);
      if (!isJump(m)) continue;
      const stranded = f.expected.filter((e) => e.table === m.table && e.chain === jumpTarget(m) && !missing.includes(e));
      if (stranded.length) evidence.push(`  so ${m.chain} never reaches ${jumpTarget(m)}: ${stranded.map((e) => e.purpose).join('; ')}`);
    }
    const fix = f.backend === 'native' ? cli(f, 'system reconcile') : 'systemctl restart docker';
    const headline = missing.map((m) => m.purpose).slice(0, 2).join(', ') + (missing.length > 2 ? `, and ${missing.length - 2} more` : '');
    return fail(`${missing.length} of ${f.expected.length} rules the networks need are missing: ${headline}`, evidence, fix);
  },
};

// ---------------------------------------------------------------- fw.backend

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

export const FIREWALL_CHECKS = [fwForwardPolicy, fwRuleDrop, fwChainsIntact, fwBackend];
