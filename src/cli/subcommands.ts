import { UsageError } from '../netcore/errors.js';
import type { CliContext, CliIO, Command } from './command.js';

export type Subcommand = (args: string[], ctx: CliContext) => Promise<number>;

/**
 * The one rule for the word that picks a command: none prints the usage on
 * stderr (exit 2), --help, -h or help prints it on stdout (exit 0). Null: a
 * word to dispatch.
 */
export function helpOrMissing(word: string | undefined, usage: string, io: CliIO): number | null {
  if (!word) {
    io.stderr.write(usage);
    return 2;
  }
  if (word === '--help' || word === '-h' || word === 'help') {
    io.stdout.write(usage);
    return 0;
  }
  return null;
}

/** `command` is the words before the unknown one ('' at the top). */
export function unknownCommand(command: string, word: string): UsageError {
  const prefix = command ? `${command} ` : '';
  return new UsageError(`unknown command "${prefix}${word}" (see tsdiag ${prefix}--help)`);
}

/** A command's run() that dispatches on its first argument to one of `subs`. */
export function subcommands(command: string, usage: string, subs: Record<string, Subcommand>): Command['run'] {
  return async (args, ctx) => {
    const [word, ...rest] = args;
    const done = helpOrMissing(word, usage, ctx);
    if (done !== null) return done;
    if (!Object.hasOwn(subs, word!)) throw unknownCommand(command, word!);
    return subs[word!]!(rest, ctx);
  };
}
