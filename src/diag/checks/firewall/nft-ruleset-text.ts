/**
 * The tables, chains and verdict maps of `nft list ruleset` text, as far as
 * a layout check needs them: each chain's rules without counters and
 * comments, each map's elements as key -> verdict.
 */
export interface NftChainText {
  /** "type filter hook forward priority filter; policy accept;" for a base chain */
  hook: string | null;
  rules: string[];
}

export interface NftTableText {
  family: string;
  name: string;
  chains: Map<string, NftChainText>;
  maps: Map<string, Map<string, string>>;
}

/** A rule as compared: no counter values, no comment, single spaces. */
export function normalizeNftRule(rule: string): string {
  return rule
    .replace(/ comment "(?:[^"\\]|\\.)*"/g, '')
    .replace(/\bcounter packets \d+ bytes \d+/g, 'counter')
    .replace(/\bcounter\s+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseNftRuleset(text: string): NftTableText[] {
  const tables: NftTableText[] = [];
  let table: NftTableText | null = null;
  let chain: NftChainText | null = null;
  let map: Map<string, string> | null = null;
  // braces, not line shapes, end a block: a map's element list may close on a line of its own
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const at = depth;
    depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
    let m: RegExpExecArray | null;
    if (at === 0) {
      m = /^table (\S+) (\S+) \{$/.exec(line);
      table = m ? { family: m[1]!, name: m[2]!, chains: new Map(), maps: new Map() } : null;
      if (table) tables.push(table);
    } else if (!table) continue;
    else if (at === 1) {
      chain = map = null;
      if ((m = /^chain (\S+) \{$/.exec(line))) table.chains.set(m[1]!, (chain = { hook: null, rules: [] }));
      else if ((m = /^(?:map|set) (\S+) \{$/.exec(line))) table.maps.set(m[1]!, (map = new Map()));
    } else if (map) {
      for (const e of line.matchAll(/"([^"]+)"\s*:\s*((?:jump|goto) [^,\s}]+|accept|drop|continue|return)/g)) map.set(e[1]!, e[2]!);
    } else if (chain && at === 2 && line && line !== '}') {
      if (/^type \S+ hook /.test(line)) chain.hook = line;
      else chain.rules.push(normalizeNftRule(line));
    }
  }
  return tables;
}
