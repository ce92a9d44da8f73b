import type { IptablesState, IptRule } from '../../host-reader.js';
import type { Action, Chain, Match, Rule, Table } from './evaluator.js';

/** iptables-save's rules in the evaluator's words (see evaluator.ts). */

const PROTO_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '50': 'esp' };
const PORT_FLAGS: Record<string, 'src' | 'dst'> = {
  '--dport': 'dst', '--dports': 'dst', '--destination-port': 'dst', '--destination-ports': 'dst',
  '--sport': 'src', '--sports': 'src', '--source-port': 'src', '--source-ports': 'src',
};
const ADDR_FLAGS: Record<string, 'src' | 'dst'> = { '-s': 'src', '--source': 'src', '-d': 'dst', '--destination': 'dst' };

/** Splits a rule into arguments, keeping quoted strings ("-m comment --comment "a b"") whole. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

/** "22", "7946,4789", "4000:5000", "1024:" */
function portRanges(spec: string): Array<[number, number]> {
  return spec.split(',').map((part) => {
    const [lo, hi] = part.split(':').map(Number) as [number, number | undefined];
    return hi === undefined ? [lo, lo] : [lo || 0, hi || 65535];
  });
}

function matchOf(flag: string, values: string[], negated: boolean): Match | null {
  const value = values[0] ?? '';
  if (flag === '-i' || flag === '--in-interface') return { kind: 'iface', dir: 'in', name: value, negated };
  if (flag === '-o' || flag === '--out-interface') return { kind: 'iface', dir: 'out', name: value, negated };
  if (flag === '-p' || flag === '--protocol') return { kind: 'proto', proto: PROTO_NUMBERS[value] ?? value, negated };
  if (ADDR_FLAGS[flag]) return { kind: 'addr', dir: ADDR_FLAGS[flag]!, cidr: value, negated };
  if (PORT_FLAGS[flag]) return { kind: 'port', dir: PORT_FLAGS[flag]!, ranges: portRanges(value), negated };
  if (flag === '--ctstate' || flag === '--state') return { kind: 'ctstate', states: value.split(','), negated };
  if (flag === '--comment') return null;
  return { kind: 'other', text: [negated ? '!' : '', flag, ...values].filter(Boolean).join(' ') };
}

function actionOf(kind: string | undefined, target: string | undefined, userChains: Set<string>): Action {
  if (target === 'ACCEPT') return { kind: 'accept' };
  if (target === 'DROP') return { kind: 'drop' };
  if (target === 'REJECT') return { kind: 'reject' };
  if (target === 'RETURN') return { kind: 'return' };
  if (target && userChains.has(target)) return { kind: kind === '-g' ? 'goto' : 'jump', chain: target };
  return { kind: 'continue' };
}

/** One "-A CHAIN ..." line: its matches up to the target, and the target (`-j` or `-g`). */
export function iptablesRule(r: IptRule, userChains: Set<string>): Rule<IptRule> {
  const args = tokens(r.text);
  const matches: Match[] = [];
  // args[0..1] are "-A CHAIN"; everything after the target are the target's options
  for (let i = 2; i < args.length;) {
    const negated = args[i] === '!';
    if (negated) i++;
    const flag = args[i]!;
    if (flag === '-j' || flag === '-g') return { chain: r.chain, matches, action: actionOf(flag, args[i + 1], userChains), source: r };
    let j = i + 1;
    while (j < args.length && !args[j]!.startsWith('-') && args[j] !== '!') j++;
    // `-m NAME` loads a match module: its options are the conditions
    if (flag !== '-m' && flag !== '--match') {
      const m = matchOf(flag, args.slice(i + 1, j), negated);
      if (m) matches.push(m);
    }
    i = j;
  }
  return { chain: r.chain, matches, action: { kind: 'continue' }, source: r };
}

const tables = new WeakMap<IptablesState, Map<string, Table<IptRule>>>();

/** One table of an iptables reading (filter, nat, ...), made once per reading. */
export function iptablesTable(state: IptablesState, name = 'filter'): Table<IptRule> {
  let byName = tables.get(state);
  if (!byName) tables.set(state, (byName = new Map()));
  let table = byName.get(name);
  if (!table) {
    const own = state.chains.filter((c) => c.table === name);
    const userChains = new Set(own.filter((c) => c.policy === null).map((c) => c.name));
    const chains = new Map<string, Chain<IptRule>>(own.map((c) => [c.name, {
      name: c.name, policy: c.policy === 'DROP' ? 'drop' : c.policy === null ? null : 'accept', rules: [],
    }]));
    for (const r of state.rules.filter((x) => x.table === name)) {
      if (!chains.has(r.chain)) chains.set(r.chain, { name: r.chain, policy: null, rules: [] });
      chains.get(r.chain)!.rules.push(iptablesRule(r, userChains));
    }
    table = { family: 'ip', name, chains };
    byName.set(name, table);
  }
  return table;
}
