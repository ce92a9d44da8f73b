import { fail, pass, type Check } from '../../check.js';
import { cli, type FixTarget } from '../../fixes.js';
import { expectedRules, isJump, missingRules, type ExpectedRule, type PresentRules } from './expected.js';
import { currentRules, fixTargetOf } from './probe.js';
import { joinOnHost } from './common.js';

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
