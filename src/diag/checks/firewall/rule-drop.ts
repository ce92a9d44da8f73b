import { fail, pass, skip, warn, type Check } from '../../check.js';
import type { FixTarget } from '../../fixes.js';
import { currentRules, describeOutcome, firewallProbe, fixTargetOf, probeFailed, type ProbeOutcome } from './probe.js';
import { deleteRulesCommands, describeRule, isBlocking, type CounterMove } from './rules.js';
import { PAIR_CHECKS, joinOnHost } from './common.js';

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
