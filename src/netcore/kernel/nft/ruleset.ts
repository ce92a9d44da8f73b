import { run } from '../exec.js';
import { validateNftFamily, validateNftHandle, validateNftName, isNftFamily, type NftFamily } from './names.js';

/**
 * The whole nf_tables ruleset of a namespace, every family (iptables-nft's
 * tables included). `nft -j` gives the structure and each rule's expressions
 * but no rule text; `nft -a` gives the text as nft prints it and the table
 * flags and netdev devices (nft 1.0.6's JSON names a dormant table's flag
 * "nat" and leaves devices out). The two run
 * side by side.
 */
export interface NftTable {
  family: NftFamily;
  name: string;
  handle: number;
  flags: string[];
  chains: NftChain[];
}

export interface NftChain {
  family: NftFamily;
  table: string;
  name: string;
  handle: number;
  /** a base chain is attached to a hook; the others are reached by jump/goto */
  base: boolean;
  type: string | null;
  hook: string | null;
  priority: number | null;
  policy: string | null;
  /** netdev (and inet ingress) chains hook on devices */
  devices: string[];
  rules: NftRule[];
}

export interface NftRule {
  family: NftFamily;
  table: string;
  chain: string;
  handle: number;
  /** 0-based place in its chain */
  position: number;
  /** as `nft list ruleset` prints it, without the handle comment */
  text: string;
  expr: unknown[];
  comment: string | null;
  /** the first counter expression of the rule, when it has one */
  counter: { packets: number; bytes: number } | null;
}

export interface NftRuleset {
  tables: NftTable[];
}

type JsonObj = Record<string, any>;

const key = (family: string, table: string, chain?: string, handle?: number) => [family, table, chain ?? '', handle ?? ''].join('\u0000');

/** Each rule's text and each table's flags from `nft -a list ruleset`, by family/table/chain/handle. */
export function parseRulesetText(text: string): { rules: Map<string, string>; tableFlags: Map<string, string[]>; chainDevices: Map<string, string[]> } {
  const rules = new Map<string, string>();
  const tableFlags = new Map<string, string[]>();
  const chainDevices = new Map<string, string[]>();
  let table: { family: string; name: string } | null = null;
  let chain: string | null = null;
  let inSet = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = /^table (\S+) "?([^"\s]+)"? \{/.exec(line))) {
      table = { family: m[1]!, name: m[2]! };
      chain = null;
    } else if ((m = /^chain "?([^"\s]+)"? \{/.exec(line))) {
      chain = m[1]!;
    } else if (/^(set|map|flowtable|ct |counter|quota|limit|secmark|synproxy)\S* ?.*\{/.test(line)) {
      inSet = true;
    } else if (line === '}') {
      if (inSet) inSet = false;
      else if (chain) chain = null;
      else table = null;
    } else if (table && !chain && !inSet && (m = /^flags (.+)$/.exec(line))) {
      tableFlags.set(key(table.family, table.name), m[1]!.split(',').map((f) => f.trim()));
    } else if (table && chain && (m = /^type \S+ hook \S+ (?:device "?([^"\s]+)"?|devices = \{([^}]*)\}) /.exec(line))) {
      const devices = m[1] ? [m[1]] : m[2]!.split(',').map((d) => d.trim().replace(/^"|"$/g, ''));
      chainDevices.set(key(table.family, table.name, chain), devices);
    } else if (table && chain && !inSet && (m = /^(.*) # handle (\d+)$/.exec(line))) {
      rules.set(key(table.family, table.name, chain, Number(m[2])), m[1]!);
    }
  }
  return { rules, tableFlags, chainDevices };
}

function counterOf(expr: unknown[]): NftRule['counter'] {
  for (const e of expr) {
    const c = (e as JsonObj | null)?.counter;
    if (c && typeof c.packets === 'number') return { packets: c.packets, bytes: c.bytes };
  }
  return null;
}

/** The typed model from `nft -j list ruleset` and `nft -a list ruleset` output. */
export function parseRuleset(json: string, text: string): NftRuleset {
  const items: JsonObj[] = json.trim() ? (JSON.parse(json).nftables ?? []) : [];
  const { rules: texts, tableFlags, chainDevices } = parseRulesetText(text);
  const tables = new Map<string, NftTable>();
  const chains = new Map<string, NftChain>();
  for (const item of items) {
    if (item.table && isNftFamily(item.table.family)) {
      const t = item.table;
      tables.set(key(t.family, t.name), { family: t.family, name: t.name, handle: t.handle, flags: tableFlags.get(key(t.family, t.name)) ?? [], chains: [] });
    } else if (item.chain) {
      const c = item.chain;
      const table = tables.get(key(c.family, c.table));
      if (!table) continue;
      // nft 1.0.6's JSON leaves a netdev chain's devices out; its text has them
      const devices: string[] = c.dev === undefined ? chainDevices.get(key(c.family, c.table, c.name)) ?? [] : Array.isArray(c.dev) ? c.dev : [c.dev];
      const chain: NftChain = {
        family: table.family, table: c.table, name: c.name, handle: c.handle, base: typeof c.hook === 'string',
        type: c.type ?? null, hook: c.hook ?? null, priority: typeof c.prio === 'number' ? c.prio : null, policy: c.policy ?? null, devices, rules: [],
      };
      table.chains.push(chain);
      chains.set(key(c.family, c.table, c.name), chain);
    } else if (item.rule) {
      const r = item.rule;
      const chain = chains.get(key(r.family, r.table, r.chain));
      if (!chain) continue;
      const expr: unknown[] = r.expr ?? [];
      chain.rules.push({
        family: chain.family, table: r.table, chain: r.chain, handle: r.handle, position: chain.rules.length,
        text: texts.get(key(r.family, r.table, r.chain, r.handle)) ?? '', expr, comment: r.comment ?? null, counter: counterOf(expr),
      });
    }
  }
  return { tables: [...tables.values()] };
}

/** Reads the ruleset of a named namespace (null: this process's own). Two nft processes, concurrently. */
export async function readRuleset(netns: string | null): Promise<NftRuleset> {
  const [json, text] = await Promise.all([
    run('nft', ['-j', 'list', 'ruleset'], { netns }),
    run('nft', ['-a', 'list', 'ruleset'], { netns }),
  ]);
  return parseRuleset(json.stdout, text.stdout);
}

export function allRules(ruleset: NftRuleset): NftRule[] {
  return ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
}

export function findRule(ruleset: NftRuleset, at: { family: string; table: string; chain: string; handle: number }): NftRule | null {
  return allRules(ruleset).find((r) => r.family === at.family && r.table === at.table && r.chain === at.chain && r.handle === at.handle) ?? null;
}

/** `nft delete rule <family> <table> <chain> handle <N>`, validated: the fix for a rule that drops. */
export function deleteRuleArgs(at: { family: string; table: string; chain: string; handle: number }): string[] {
  return ['delete', 'rule', validateNftFamily(at.family), validateNftName('table', at.table), validateNftName('chain', at.chain), 'handle', String(validateNftHandle(at.handle))];
}

export async function deleteRule(netns: string | null, at: { family: string; table: string; chain: string; handle: number }): Promise<void> {
  await run('nft', deleteRuleArgs(at), { netns });
}
