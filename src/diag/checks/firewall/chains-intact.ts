import { fail, pass, type Check, type Verdict } from '../../check.js';
import { cli, type FixTarget } from '../../fixes.js';
import type { IptablesState } from '../../host-reader.js';
import type { InvContainer, InvNetwork } from '../../inventory/types.js';
import { netavarkExpected, netavarkNftExpected, netavarkNftPresent } from './netavark-expected.js';
import { parseNftRuleset } from './nft-ruleset-text.js';
import { exact, expectedRules, isJump, missingRules, sameTable, toolOf, type ExpectedRule, type PresentRules } from './expected.js';
import { currentRules, currentRules6, fixTargetOf } from './probe.js';
import { joinOnHost, podmanReload } from './common.js';
import { dockerLayoutReport, type DockerBridgeHint, type LayoutReport, type LayoutRequirement } from './docker-layouts.js';

export interface ChainsFacts extends FixTarget {
  expected: ExpectedRule[];
  present: PresentRules;
  /** docker backend: Docker's layout recognised on the host, what it requires and what of that is missing (null: no layout recognised) */
  docker?: LayoutReport | null;
  /** the same in ip6tables (or ip6 docker-bridges), where a network has IPv6 (null: Docker writes no ip6tables rules) */
  docker6?: LayoutReport | null;
}

/** The chain a jump leads to. */
const jumpTarget = (e: ExpectedRule) => / (?:-j|jump) (\S+)/.exec(e.rule)?.[1] ?? '';
const isNat = (e: ExpectedRule) => /MASQUERADE|DNAT|\bmasquerade$|\bdnat ip6? to /.test(e.rule);
/** nft rules show as `nft add rule` takes them (family, table, chain, rule) */
const isNft = (e: ExpectedRule) => e.table.includes(' ');
const withTable = (e: ExpectedRule) => {
  if (isNft(e)) return `${e.table} ${e.rule}`;
  const shown = e.table === 'filter' ? e.rule : `-t ${e.table} ${e.rule}`;
  return e.family === 6 ? `ip6tables ${shown}` : shown;
};

/**
 * A chain's first expected jump, when it leads to the user's chain
 * (TSDIAG-USER / DOCKER-USER), standing after one of the others: user rules
 * must see traffic before the backend accepts it. The other jumps may stand in
 * any order (Docker inserts each new bridge's jump at the top; netavark's
 * per-network POSTROUTING jumps have no order at all). With the commands that move it in front: its present text
 * and the position of the first one it must precede.
 */
function misplacedJump(expected: ExpectedRule[], present: PresentRules): { jump: ExpectedRule; moves: string[] } | null {
  const chains = new Map<string, ExpectedRule[]>();
  for (const e of expected.filter(isJump)) {
    const key = `${e.family ?? ''} ${e.table} ${e.chain}`;
    chains.set(key, [...(chains.get(key) ?? []), e]);
  }
  for (const jumps of chains.values()) {
    const at = jumps.map((e) => present.findIndex((p) => sameTable(p, e) && new RegExp(e.pattern).test(p.text)));
    if (!/-j \S+-USER$/.test(jumps[0]!.rule)) continue;
    const head = at[0]!;
    const later = at.findIndex((idx, k) => k > 0 && idx >= 0 && head > idx);
    if (head < 0 || later < 0) continue;
    const e = jumps[0]!;
    const line = present[head]!.text;
    const position = present.slice(0, at[later]!).filter((p) => sameTable(p, e) && p.text.startsWith(`-A ${e.chain} `)).length + 1;
    const t = `${toolOf(e)}${e.table === 'filter' ? '' : ` -t ${e.table}`}`;
    const spec = line.slice(`-A ${e.chain} `.length);
    return { jump: e, moves: [`${t} -D ${e.chain} ${spec}`, `${t} -I ${e.chain} ${position} ${spec}`] };
  }
  return null;
}

const presentOf = (rules: IptablesState | null, family: 4 | 6): PresentRules => (rules?.rules ?? [])
  .filter((r) => r.table === 'filter' || r.table === 'nat').map((r) => ({ table: r.table, text: r.text, ...(family === 6 && { family }) }));

/**
 * The facts from the host's readings: the iptables rules (and ip6tables' where rules of family 6 are expected),
 * and for Docker `nft list ruleset` (its 29 nftables backend) and the layout they hold, in ip6tables too where a
 * network has IPv6.
 */
export function chainsFacts(t: FixTarget, expected: ExpectedRule[], rules: IptablesState | null, nft: string | null, hints: DockerBridgeHint[],
  rules6: IptablesState | null = null): ChainsFacts {
  const v6 = hints.some((h) => h.ipv6);
  return {
    ...t, expected,
    present: [...presentOf(rules, 4), ...presentOf(rules6, 6)],
    ...(t.backend === 'docker' && { docker: dockerLayoutReport({ iptables: rules, nft }, hints) }),
    ...(t.backend === 'docker' && v6 && { docker6: dockerLayoutReport({ iptables: rules6 ?? EMPTY, nft }, hints, 6) }),
  };
}

const EMPTY: IptablesState = { chains: [], rules: [] } as unknown as IptablesState;
const hasIpv6 = (networks: InvNetwork[]) => networks.some((n) => n.subnet6);

/**
 * Podman's facts: netavark's iptables driver (Podman 4's netavark), or its
 * nftables driver when `table inet netavark` is there and iptables holds no
 * NETAVARK chain (a table left from an earlier driver does not count then).
 */
export function podmanChainsFacts(t: FixTarget, networks: InvNetwork[], containers: InvContainer[], rules: IptablesState | null, nft: string | null,
  rules6: IptablesState | null = null): ChainsFacts {
  const iptablesFacts = chainsFacts(t, netavarkExpected(networks, containers), rules, null, [], rules6);
  const nftPresent = nft === null ? null : netavarkNftPresent(parseNftRuleset(nft));
  if (!nftPresent || iptablesFacts.present.some((p) => /NETAVARK/.test(p.text))) return iptablesFacts;
  return { ...t, expected: netavarkNftExpected(networks, containers), present: nftPresent };
}

export const dockerHints = (networks: InvNetwork[]): DockerBridgeHint[] =>
  networks.filter((n) => n.driver === 'bridge' && n.bridge).map((n) => ({ bridge: n.bridge!, internal: n.internal, ...(n.subnet6 && { ipv6: true }) }));

const RESTART = 'systemctl restart docker';
function requirementLabel(r: LayoutRequirement): string {
  if (r.kind === 'table') return `table ${r.table}`;
  const tool = r.family === 6 && r.backend === 'iptables' ? 'ip6tables ' : '';
  if (r.kind === 'chain') return `${tool}${r.table} chain ${r.chain}`;
  if (r.backend === 'nft') return `${r.table} ${r.chain}: ${r.text}`;
  return `${tool}${r.table === 'filter' ? r.text : `-t ${r.table} ${r.text}`}`;
}

/**
 * Docker's layout: each missing chain, jump, map element or direct-access drop with its purpose, what it strands, and its command;
 * IPv6's beside IPv4's where Docker writes ip6tables (its NAT rules of family 6 asked for only then).
 */
function judgeDockerLayout(f: ChainsFacts, v4: LayoutReport): Verdict {
  const reports = [v4, ...(f.docker6 ? [f.docker6] : [])];
  const required = reports.flatMap((r) => r.required);
  const missing = reports.flatMap((r) => r.missing);
  const natOf = (r: LayoutReport, family?: 6) => (r.layout === '29-nftables' ? [] : f.expected.filter((e) => isNat(e) && e.family === family));
  const nat = [...natOf(v4), ...(f.docker6 ? natOf(f.docker6, 6) : [])];
  const natMissing = missingRules(nat, f.present);
  const total = required.length + nat.length;
  const name = `Docker ${v4.layout} layout${f.docker6 ? ' (iptables and ip6tables)' : ''}`;
  const notes = f.docker6 === null ? ['ip6tables holds no Docker chains: Docker does not write IPv6 rules (26 without --ip6tables), none expected'] : [];
  if (!missing.length && !natMissing.length) {
    const forward = required.filter((r) => r.kind === 'jump' && r.backend === 'iptables' && r.table === 'filter' && r.chain === 'FORWARD')
      .map((r) => exact('filter', r.chain, r.text.slice(`-A ${r.chain} `.length), r.purpose, r.family));
    const misplaced = misplacedJump(forward, f.present);
    if (misplaced) return misplacedVerdict(f, misplaced);
    const present = [...required.filter((r) => r.kind === 'jump' || r.kind === 'map-element').map((r) => r.purpose), ...nat.map((e) => e.purpose)];
    return pass(`${name}: all ${total} rules the networks need are present`, [...present.map((p) => `present: ${p}`), ...notes]);
  }
  const evidence: string[] = [];
  for (const m of missing) {
    evidence.push(`missing: ${requirementLabel(m)}  (${m.purpose})`);
    const target = m.kind === 'jump' ? / (?:-j|jump|goto) (\S+)$/.exec(m.text)?.[1] : undefined;
    const stranded = target ? required.filter((r) => r.kind !== 'chain' && r.chain === target && r.table === m.table && r.family === m.family && !missing.includes(r)) : [];
    if (stranded.length) evidence.push(`  so ${m.chain} never reaches ${target}: ${stranded.map((r) => r.purpose).join('; ')}`);
    evidence.push(`  fix: ${joinOnHost(f, [m.fix])}`);
  }
  for (const m of natMissing) evidence.push(`missing: ${withTable(m)}  (${m.purpose})`);
  const fixes = [...new Set(missing.map((m) => m.fix))];
  // each insert's position counts the jumps before it that are present: the later ones go in first
  const fix = natMissing.length || fixes.includes(RESTART) ? RESTART : joinOnHost(f, fixes.reverse());
  const purposes = [...missing.map((m) => m.purpose), ...natMissing.map((m) => m.purpose)];
  const headline = purposes.slice(0, 2).join(', ') + (purposes.length > 2 ? `, and ${purposes.length - 2} more` : '');
  return fail(`${name}: ${purposes.length} of ${total} rules the networks need are missing: ${headline}`, evidence, fix);
}

function misplacedVerdict(f: ChainsFacts, misplaced: { jump: ExpectedRule; moves: string[] }): Verdict {
  return fail(`${misplaced.jump.purpose} comes after the jumps it must precede: traffic is decided before user rules see it`,
    f.present.filter((p) => sameTable(p, misplaced.jump) && p.text.startsWith(`-A ${misplaced.jump.chain} `)).map((p) => p.text),
    joinOnHost(f, misplaced.moves));
}

/**
 * netavark's nft driver sets a network's rules up only when the network's
 * chain is absent, so `network reload` puts back a deleted chain but not a
 * rule deleted from a chain still there: that one is added back (appended:
 * netavark's own come in the same order).
 */
function podmanFix(f: ChainsFacts, missing: ExpectedRule[]): string {
  if (!missing.every(isNft)) return podmanReload(f);
  const chainThere = (m: ExpectedRule) => f.present.some((p) => p.table === m.table && p.text.startsWith(`${m.chain} `));
  if (!missing.every(chainThere)) return podmanReload(f);
  return joinOnHost(f, missing.map((m) => `nft 'add rule ${withTable(m)}'`));
}

export const fwChainsIntact: Check<ChainsFacts> = {
  id: 'fw.chains-intact',
  title: 'the NAT and forwarding rules the networks need are present',
  async gather(ctx) {
    const { backend } = ctx.inventory;
    const readsNft = backend === 'docker' || backend === 'podman';
    const [rules, nft] = await Promise.all([currentRules(ctx), readsNft ? ctx.host.nftRulesetText() : null]);
    if (!rules && !nft) throw new Error('iptables-save failed');
    const { networks, containers } = ctx.target;
    const rules6 = hasIpv6(networks) ? await currentRules6(ctx) : null;
    if (backend === 'podman') return podmanChainsFacts(fixTargetOf(ctx), networks, containers, rules, nft, rules6);
    const expected = expectedRules(backend, networks, containers);
    return chainsFacts(fixTargetOf(ctx), expected, rules, nft, backend === 'docker' ? dockerHints(networks) : [], rules6);
  },
  judge(f) {
    if (f.docker) return judgeDockerLayout(f, f.docker);
    if (!f.expected.length) return pass('no bridge network: no NAT or forwarding rules needed');
    const missing = missingRules(f.expected, f.present);
    const misplaced = missing.length ? null : misplacedJump(f.expected, f.present);
    if (misplaced) return misplacedVerdict(f, misplaced);
    if (!missing.length) {
      return pass(`all ${f.expected.length} rules the networks need are present`, f.expected.filter((e) => isJump(e) || isNat(e)).map((e) => `present: ${e.purpose}`));
    }
    const evidence: string[] = [];
    for (const m of missing) {
      evidence.push(`missing: ${withTable(m)}  (${m.purpose})`);
      if (!isJump(m)) continue;
      const stranded = f.expected.filter((e) => sameTable(e, m) && e.chain === jumpTarget(m) && !missing.includes(e));
      if (stranded.length) evidence.push(`  so ${m.chain} never reaches ${jumpTarget(m)}: ${stranded.map((e) => e.purpose).join('; ')}`);
    }
    const fix = f.backend === 'native' ? cli(f, 'system reconcile') : f.backend === 'podman' ? podmanFix(f, missing) : RESTART;
    const headline = missing.map((m) => m.purpose).slice(0, 2).join(', ') + (missing.length > 2 ? `, and ${missing.length - 2} more` : '');
    return fail(`${missing.length} of ${f.expected.length} rules the networks need are missing: ${headline}`, evidence, fix);
  },
};
