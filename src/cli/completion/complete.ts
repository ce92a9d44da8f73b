import type { Grammar, ValueKind } from './grammar.js';

/** What the shell should offer for the word under the cursor: these words, or file names. */
export type Candidates = { words: string[] } | { files: true };

export interface CompletionSource {
  /** the top-level commands shown in --help, and the global options */
  commands: string[];
  globalOptions: Map<string, ValueKind | null>;
  grammar(command: string): Promise<Grammar | null>;
  /** names of containers or networks (native and, when it answers, Docker's) */
  names(kind: 'container' | 'network', hostNetns: string | null): Promise<string[]>;
}

const byPrefix = (words: Iterable<string>, prefix: string) => [...new Set(words)].filter((w) => w.startsWith(prefix)).sort();

async function valuesOf(kind: ValueKind | null, src: CompletionSource, hostNetns: string | null, cur: string): Promise<Candidates> {
  if (!kind || kind.kind === 'any') return { words: [] };
  if (kind.kind === 'file') return { files: true };
  if (kind.kind === 'choices') return { words: byPrefix(kind.words, cur) };
  const kinds = kind.kind === 'object' ? (['container', 'network'] as const) : [kind.kind];
  const names = await Promise.all(kinds.map((k) => src.names(k, hostNetns)));
  return { words: byPrefix(names.flat(), cur) };
}

/**
 * The candidates for the last of `words` (the words after `tsdiag`, the last
 * one being completed, '' for a new word), walking the grammar of the command
 * and subcommand the earlier words name.
 */
export async function complete(words: string[], src: CompletionSource): Promise<Candidates> {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let hostNetns: string | null = null;
  let options = new Map(src.globalOptions);
  let grammar = null as Grammar | null;
  let positional = 0;
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w === '--') return { words: [] };
    if (w.startsWith('-')) {
      const name = w.split('=')[0]!;
      if (options.get(name) && !w.includes('=')) {
        if (name === '--host-netns') hostNetns = before[i + 1] ?? null;
        i++;
      }
      continue;
    }
    if (!grammar) {
      grammar = await src.grammar(w);
      if (!grammar) return { words: [] };
      options = new Map([...options, ...grammar.options]);
      continue;
    }
    const parent: Grammar = grammar;
    const sub = positional === 0 && parent.subcommands.size ? parent.subcommands.get(w) : undefined;
    if (sub) {
      grammar = { ...sub, options: new Map([...parent.options, ...sub.options]) };
      options = new Map([...options, ...sub.options]);
      continue;
    }
    positional++;
  }
  const prev = before.at(-1);
  if (prev?.startsWith('-') && !prev.includes('=') && options.get(prev)) return valuesOf(options.get(prev)!, src, hostNetns, cur);
  if (!grammar) return { words: byPrefix(cur.startsWith('-') ? [...options.keys(), '--version'] : src.commands, cur) };
  if (cur.startsWith('-')) return { words: byPrefix(options.keys(), cur) };
  if (grammar.subcommands.size && positional === 0) return { words: byPrefix(grammar.subcommands.keys(), cur) };
  const at = grammar.positionals[positional] ?? (grammar.rest ? grammar.positionals.at(-1) : undefined);
  return valuesOf(at ?? null, src, hostNetns, cur);
}
