/**
 * What a command accepts, read from its own --help text (one source: the
 * usage texts are the definitions people read, and completion follows them):
 * its subcommands (a `Commands:` section, or `a|b|c` / one word after the
 * command's name on the usage line), its options (the usage line, each
 * subcommand's synopsis, an `Options:` section) with the value each takes,
 * and its positional words. Descriptions are never read: only the synopsis
 * before a gap of two spaces.
 */
export type NameKind = 'container' | 'network' | 'object' | 'file' | 'any';
export type ValueKind = { kind: NameKind } | { kind: 'choices'; words: string[] };

export interface Grammar {
  name: string;
  /** each option name (aliases too) and the value it takes (null: a flag) */
  options: Map<string, ValueKind | null>;
  subcommands: Map<string, Grammar>;
  /** the positional words in order; the last repeats when `rest` */
  positionals: ValueKind[];
  rest: boolean;
}

/** Placeholders that name a kind of word; others take any value. */
const PLACEHOLDERS: Record<string, NameKind> = {
  CONTAINER: 'container', FROM: 'container', TO: 'container', NETWORK: 'network', NET: 'network', FILE: 'file', SNAPLEN: 'any',
};
/** Options whose value is a container or network whatever the placeholder says (`--container NAME`). */
const OPTION_KINDS: Record<string, NameKind> = { '--container': 'container', '--network': 'network' };
/** What a positional NAME means under a command (a sandbox's or lab's name is not completed). */
const NAME_MEANS: Record<string, NameKind> = { network: 'network', inspect: 'object' };
/** Words of a synopsis that stand for the options or the subcommand, not a positional. */
const NOT_POSITIONAL = new Set(['OPTIONS', 'options', 'COMMAND', 'ARGS', 'CMD']);

const OPTION = /^--?[A-Za-z][\w-]*$/;

function kindOf(word: string, command: string, option: string | null): ValueKind {
  const bare = word.replace(/\.\.\.$/, '');
  if (option && OPTION_KINDS[option]) return { kind: OPTION_KINDS[option]! };
  if (/^[a-z0-9]+(\|[a-z0-9]+)+$/.test(bare)) return { kind: 'choices', words: bare.split('|') };
  if (bare === 'NAME' && !option && NAME_MEANS[command]) return { kind: NAME_MEANS[command]! };
  if (/^FILE\b/.test(bare)) return { kind: 'file' };
  return { kind: PLACEHOLDERS[bare] ?? 'any' };
}

/** Reads one synopsis (`[--driver bridge|macvlan] [--internal] NAME...`) into g. */
function readSynopsis(text: string, command: string, g: Grammar, withPositionals: boolean): void {
  const raw = text.split(/\s+/).filter(Boolean);
  let aliases: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const original = raw[i]!;
    const token = original.replace(/^\[+/, '').replace(/[\],]+$/, '').replace(/\]+\.\.\.$/, '...');
    if (token === '--') break;
    if (token === '|' || !token) continue;
    if (OPTION.test(token)) {
      const names = [...aliases, token];
      aliases = [];
      if (original.endsWith(',')) {
        aliases = names;
        continue;
      }
      const next = raw[i + 1];
      const closed = /\]$/.test(original);
      const value = !closed && next !== undefined && next !== '|' && !OPTION.test(next.replace(/^\[+/, '').replace(/[\],]+$/, '')) ? next : null;
      if (value !== null) i++;
      const spec = value === null ? null : kindOf(value.replace(/^\[(?=[A-Za-z]+\])/, '').replace(/\]+(\.\.\.)?$/, '$1'), command, token);
      for (const n of names) if (!g.options.has(n) || spec) g.options.set(n, spec);
      continue;
    }
    if (!withPositionals || NOT_POSITIONAL.has(token.replace(/\.\.\.$/, ''))) continue;
    if (!/^[A-Z]/.test(token)) continue;
    g.positionals.push(kindOf(token, command, null));
    g.rest = token.endsWith('...');
  }
}

const empty = (name: string): Grammar => ({ name, options: new Map(), subcommands: new Map(), positionals: [], rest: false });

/** The text of a section (`Commands:`, `Options:`) up to the next unindented line. */
function section(lines: string[], title: string): string[] {
  const start = lines.findIndex((l) => l.trim() === title);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.trim() || !/^\s/.test(l)) break;
    out.push(l);
  }
  return out;
}

const synopsisOf = (line: string) => line.trim().split(/\s{2,}/)[0]!;

export function grammarOf(command: string, usage: string): Grammar {
  const g = empty(command);
  const lines = usage.split('\n');
  const usageLines = lines.filter((l) => /^(Usage:)?\s*tsdiag\b/.test(l));
  const commandsSection = section(lines, 'Commands:');
  for (const l of usageLines) {
    const tail = l.replace(/^(Usage:)?\s*tsdiag\s+(\[--host-netns NS\]\s+)?/, '');
    if (!tail.startsWith(command)) continue;
    const after = tail.slice(command.length).trim();
    const first = after.split(/\s+/)[0] ?? '';
    if (!commandsSection.length && /^[a-z]+(\|[a-z]+)*$/.test(first)) {
      for (const word of first.split('|')) g.subcommands.set(word, empty(word));
      const rest = after.slice(first.length);
      for (const sub of g.subcommands.values()) readSynopsis(rest, command, sub, true);
      continue;
    }
    readSynopsis(after, command, g, !commandsSection.length);
  }
  let current: Grammar | null = null;
  for (const l of commandsSection) {
    const entry = /^ {2}([a-z][\w-]*)(.*)$/.exec(l);
    if (entry) {
      current = empty(entry[1]!);
      g.subcommands.set(current.name, current);
      readSynopsis(synopsisOf(entry[2]!), command, current, true);
    } else if (current && /^\s+[[-]/.test(l)) {
      readSynopsis(synopsisOf(l), command, current, true);
    }
  }
  for (const l of section(lines, 'Options:')) if (/^\s+-/.test(l)) readSynopsis(synopsisOf(l), command, g, false);
  return g;
}
