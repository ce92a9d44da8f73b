import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/cli/command.js';
import { subcommands } from '../../../src/cli/subcommands.js';

const USAGE = 'Usage: tsdiag thing COMMAND\n';

function ctx() {
  const out = { stdout: '', stderr: '' };
  const c = {
    stdout: { write: (s: string) => ((out.stdout += s), true) },
    stderr: { write: (s: string) => ((out.stderr += s), true) },
    env: {}, host: { netns: null, stateDir: '/nonexistent' },
  } as unknown as CliContext;
  return { c, out };
}

describe('subcommands(): one rule for every command with subcommands', () => {
  const run = subcommands('thing', USAGE, { go: async (args, c) => (c.stdout.write(`go ${args.join(' ')}\n`), 0) });

  it('dispatches with the arguments after the word', async () => {
    const { c, out } = ctx();
    expect(await run(['go', 'a', '--b'], c)).toBe(0);
    expect(out.stdout).toBe('go a --b\n');
  });

  it('no word: the usage on stderr, exit 2', async () => {
    const { c, out } = ctx();
    expect(await run([], c)).toBe(2);
    expect(out).toEqual({ stdout: '', stderr: USAGE });
  });

  it.each(['--help', '-h', 'help'])('%s: the usage on stdout, exit 0', async (word) => {
    const { c, out } = ctx();
    expect(await run([word], c)).toBe(0);
    expect(out).toEqual({ stdout: USAGE, stderr: '' });
  });

  it.each(['nope', 'constructor', 'toString'])('unknown word %s: a usage error naming the command\'s --help', async (word) => {
    const { c } = ctx();
    await expect(run([word], c)).rejects.toMatchObject({ name: 'UsageError', message: `unknown command "thing ${word}" (see tsdiag thing --help)` });
  });
});
