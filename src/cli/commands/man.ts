import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { manPage } from '../man/roff.js';
import { tsdiagVersion } from '../../package-version.js';

export type ManIndex = ReadonlyArray<{ name: string; summary: string; load: () => Promise<Command> }>;

const USAGE = `Usage: tsdiag man [--roff]

The manual page tsdiag(1), made from the texts --help prints: shown with
man(1) on a terminal, else (or with --roff) printed as roff. The build writes
it to dist/man/tsdiag.1.
`;

/** The page of the commands main.ts lists, and of its own --help text. */
export async function renderMan(index: ManIndex, topUsage: string): Promise<string> {
  const commands = await Promise.all(index.map(async (c) => ({ name: c.name, summary: c.summary, usage: (await c.load()).usage })));
  return manPage({ topUsage, commands, version: tsdiagVersion() });
}

export function manCommand(index: ManIndex, topUsage: () => string): Command {
  return {
    name: 'man',
    summary: 'the manual page tsdiag(1), shown or printed as roff',
    usage: USAGE,
    async run(args: string[], ctx: CliContext) {
      if (args[0] === '--help' || args[0] === '-h') {
        ctx.stdout.write(USAGE);
        return 0;
      }
      if (args.some((a) => a !== '--roff')) throw new UsageError('usage: tsdiag man [--roff]');
      const page = await renderMan(index, topUsage());
      if (args.includes('--roff') || !(ctx.stdout as NodeJS.WriteStream).isTTY) {
        ctx.stdout.write(page);
        return 0;
      }
      // man(1) with the terminal attached; execa is loaded only here (it is slow to import)
      const { execa } = await import('execa');
      const res = await execa('man', ['-l', '-'], { input: page, stdout: 'inherit', stderr: 'inherit', reject: false });
      if (res.exitCode !== undefined) return res.exitCode;
      ctx.stdout.write(page); // no man(1) here
      return 0;
    },
  };
}
