import { UsageError } from '../../netcore/errors.js';
import { validateName } from '../../netcore/validate.js';
import type { CliContext, Command } from '../command.js';
import { complete, type CompletionSource } from '../completion/complete.js';
import { grammarOf } from '../completion/grammar.js';
import { completionNames } from '../completion/names.js';
import { SCRIPTS, SHELLS, type Shell } from '../completion/scripts.js';

/** The commands as main.ts lists them: each loaded only when its grammar is asked for. */
export type CommandIndex = ReadonlyArray<{ name: string; load: () => Promise<Command> }>;

const USAGE = `Usage: tsdiag completion bash|zsh|fish

Prints the shell's completion script: commands, subcommands and options (read
from each command's --help), container and network names (tsdiag's own and,
when an engine answers, Docker's; asked of tsdiag as you type).
  bash   source <(tsdiag completion bash)     (or save it in /etc/bash_completion.d/tsdiag)
  zsh    source <(tsdiag completion zsh)      (after compinit)
  fish   tsdiag completion fish | source      (or save it in ~/.config/fish/completions/tsdiag.fish)
`;

export function completionCommand(): Command {
  return {
    name: 'completion',
    summary: 'print the completion script for bash, zsh or fish',
    usage: USAGE,
    async run(args, ctx) {
      const [shell, ...rest] = args;
      if (shell === '--help' || shell === '-h') return write(ctx, USAGE);
      if (!shell || rest.length || !SHELLS.includes(shell as Shell)) throw new UsageError(`completion needs one shell: ${SHELLS.join(', ')} (see tsdiag completion --help)`);
      return write(ctx, SCRIPTS[shell as Shell]);
    },
  };
}

/** The options main.ts takes before a command. */
const GLOBAL_OPTIONS = new Map([['--host-netns', { kind: 'any' as const }], ['--help', null]]);

/** `tsdiag __complete -- WORDS...` (hidden): what the scripts ask, answered `:words` or `:files` and the candidates. */
export function completeCommand(index: CommandIndex): Command {
  return {
    name: '__complete',
    summary: 'candidates for the completion scripts',
    usage: 'Usage: tsdiag __complete -- WORDS...\n',
    async run(args, ctx) {
      const words = args[0] === '--' ? args.slice(1) : args;
      const source: CompletionSource = {
        commands: index.map((c) => c.name),
        globalOptions: GLOBAL_OPTIONS,
        async grammar(name) {
          const entry = index.find((c) => c.name === name);
          if (!entry) return null;
          const cmd = await entry.load();
          return grammarOf(cmd.name, cmd.usage);
        },
        names(kind, hostNetns) {
          const netns = hostNetns ? safeNetns(hostNetns) : ctx.host.netns;
          return completionNames(kind, { ...ctx.host, netns }, ctx.env.DOCKER_HOST);
        },
      };
      const got = await complete(words.length ? words : [''], source);
      return write(ctx, 'files' in got ? ':files\n' : [':words', ...got.words].join('\n') + '\n');
    },
  };
}

function safeNetns(name: string): string | null {
  try {
    return validateName('host namespace', name);
  } catch {
    return null;
  }
}

function write(ctx: CliContext, text: string): number {
  ctx.stdout.write(text);
  return 0;
}
