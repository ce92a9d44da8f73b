#!/usr/bin/env node
import { exitCodeOf } from '../netcore/errors.js';
import { hostFromEnv } from '../netcore/host.js';
import { validateName } from '../netcore/validate.js';
import type { CliContext, Command } from './command.js';
import { command as network } from './commands/network.js';
import { commands as containerCommands } from './commands/containers.js';
import { command as sandbox } from './commands/sandbox.js';
import { command as system } from './commands/system.js';
import { command as demo } from './commands/demo.js';

const COMMANDS: Command[] = [demo, sandbox, network, ...containerCommands, system];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: tsdiag [--host-netns NS] COMMAND [ARGS...]

Troubleshooting for container networks.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`).join('\n')}

Global options:
  --host-netns NS   run against network namespace NS as the host (env TSDIAG_HOST_NETNS)
  --help            this text; every command has its own --help
Environment: TSDIAG_STATE_DIR (default /var/lib/tsdiag)
Exit codes: 0 done, 1 the operation failed, 2 bad input or environment.
`;
}

/** Takes --host-netns out of the arguments (anywhere before a lone `--`). */
function takeGlobal(argv: string[]): { hostNetns: string | null; rest: string[] } {
  const rest: string[] = [];
  let hostNetns: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--host-netns') {
      hostNetns = argv[++i] ?? '';
      validateName('host namespace', hostNetns);
    } else if (a.startsWith('--host-netns=')) {
      hostNetns = validateName('host namespace', a.slice('--host-netns='.length));
    } else rest.push(a);
  }
  return { hostNetns, rest };
}

export async function main(argv: string[], io: Pick<CliContext, 'stdout' | 'stderr'> = process, env = process.env): Promise<number> {
  try {
    const { hostNetns, rest } = takeGlobal(argv);
    const [name, ...args] = rest;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(usage());
      return name ? 0 : 2;
    }
    if (name === '--version') {
      io.stdout.write('tsdiag 0.1.0\n');
      return 0;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) {
      io.stderr.write(`tsdiag: unknown command "${name}" (see tsdiag --help)\n`);
      return 2;
    }
    return await cmd.run(args, { ...io, env, host: hostFromEnv(env, hostNetns) });
  } catch (err) {
    io.stderr.write(`tsdiag: ${(err as Error).message}\n`);
    return exitCodeOf(err);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
