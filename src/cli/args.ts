import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../netcore/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with the CLI's conventions: unknown flags and missing
 * values become UsageError (exit 2), `--` ends the options, --help is always known.
 */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/^TypeError \[\w+\]: /, ''));
  }
}

/** Splits `-o key=value` options into an object. */
export function keyValues(flag: string, items: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid ${flag} "${item}": expected key=value`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what} (see ${usage} --help)`);
  return positionals[0]!;
}

/** Renders rows as a left-aligned table with a header, like docker's list commands. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
