import { describe, expect, it } from 'vitest';
import type { Command } from '../../../../src/cli/command.js';
import { complete, type CompletionSource } from '../../../../src/cli/completion/complete.js';
import { grammarOf } from '../../../../src/cli/completion/grammar.js';
import { command as doctor } from '../../../../src/cli/commands/doctor.js';
import { command as network } from '../../../../src/cli/commands/network.js';
import { command as sandbox } from '../../../../src/cli/commands/sandbox.js';
import { command as system } from '../../../../src/cli/commands/system.js';
import { command as dns } from '../../../../src/cli/commands/dns.js';
import { command as capture } from '../../../../src/cli/commands/capture.js';
import { commands as containerCommands } from '../../../../src/cli/commands/containers.js';

const COMMANDS: Command[] = [doctor, network, sandbox, system, dns, capture, ...containerCommands];
const grammar = (c: Command) => grammarOf(c.name, c.usage);

describe('grammarOf: a command\'s words from its --help text', () => {
  it('reads subcommands from a Commands: section, with their own options and values', () => {
    const g = grammar(network);
    expect([...g.subcommands.keys()]).toEqual(['create', 'ls', 'inspect', 'rm', 'connect', 'disconnect', 'prune']);
    const create = g.subcommands.get('create')!;
    expect(create.options.get('--driver')).toEqual({ kind: 'choices', words: ['bridge', 'macvlan'] });
    expect(create.options.get('--internal')).toBeNull();
    expect(create.options.has('-o')).toBe(true);
    expect(create.options.get('--label')).toEqual({ kind: 'any' });
    expect(g.subcommands.get('ls')!.options.get('--backend')).toEqual({ kind: 'choices', words: ['native', 'docker', 'podman', 'auto'] });
    expect(g.subcommands.get('connect')!.positionals).toEqual([{ kind: 'network' }, { kind: 'container' }]);
    expect(g.subcommands.get('rm')!).toMatchObject({ positionals: [{ kind: 'network' }], rest: true });
    expect(grammar(dns).subcommands.get('serve')!.options.has('--upstream')).toBe(true);
    expect(grammar(dns).subcommands.get('log')!.options.get('-f')).toBeNull();
  });

  it('reads `a|b|c` or one word after the name as subcommands', () => {
    expect([...grammar(sandbox).subcommands.keys()]).toEqual(['create', 'rm', 'ls']);
    const sys = grammar(system);
    expect([...sys.subcommands.keys()]).toEqual(['reconcile']);
    expect(sys.subcommands.get('reconcile')!.options.get('--json')).toBeNull();
  });

  it('reads an Options: section: aliases, flags and values', () => {
    const d = grammar(doctor);
    expect(d.positionals).toEqual([{ kind: 'container' }, { kind: 'container' }]);
    expect(d.options.get('--port')).toEqual({ kind: 'any' });
    expect(d.options.get('--json')).toBeNull();
    expect(d.options.get('--bundle')).toEqual({ kind: 'file' });
    expect(d.options.get('--from-bundle')).toEqual({ kind: 'file' });
    const run = grammar(containerCommands.find((c) => c.name === 'run')!);
    expect(run.options.get('-d')).toBeNull();
    expect(run.options.get('--detach')).toBeNull();
    expect(run.options.get('-p')).toEqual({ kind: 'any' });
    expect(run.options.get('--network')).toEqual({ kind: 'network' });
    const cap = grammar(capture);
    expect(cap.options.get('--container')).toEqual({ kind: 'container' });
    expect(cap.options.get('-r')).toEqual({ kind: 'file' });
    for (const t of ['-t', '-tt', '-ttttt', '-e', '--names']) expect(cap.options.get(t), t).toBeNull();
  });
});

describe('complete: candidates for the word under the cursor', () => {
  const src: CompletionSource = {
    commands: COMMANDS.map((c) => c.name),
    globalOptions: new Map([['--host-netns', { kind: 'any' }], ['--help', null]]),
    grammar: async (name) => {
      const c = COMMANDS.find((x) => x.name === name);
      return c ? grammar(c) : null;
    },
    names: async (kind, netns) => (kind === 'container' ? ['web', 'db', `in-${netns ?? 'own'}`] : ['app', 'bridge']),
  };
  const words = async (...w: string[]) => {
    const got = await complete(w, src);
    return 'words' in got ? got.words : 'files';
  };

  it('commands, subcommands and options', async () => {
    expect(await words('net')).toEqual(['network']);
    expect(await words('--host-netns', 'lab', 'do')).toEqual(['doctor']);
    expect(await words('network', '')).toEqual(['connect', 'create', 'disconnect', 'inspect', 'ls', 'prune', 'rm']);
    expect(await words('network', 'create', '--d')).toEqual(['--driver']);
    expect(await words('network', 'create', '--driver', '')).toEqual(['bridge', 'macvlan']);
    expect(await words('doctor', '--ju')).toEqual(['--junit']);
  });

  it('container and network names where the grammar puts them', async () => {
    expect(await words('doctor', '')).toEqual(['db', 'in-own', 'web']);
    expect(await words('doctor', '--port', '5432', 'web', 'd')).toEqual(['db']);
    expect(await words('--host-netns', 'lab', 'doctor', 'w')).toEqual(['web']);
    expect(await words('--host-netns', 'lab', 'doctor', 'i')).toEqual(['in-lab']);
    expect(await words('network', 'connect', '')).toEqual(['app', 'bridge']);
    expect(await words('network', 'connect', 'app', '')).toEqual(['db', 'in-own', 'web']);
    expect(await words('run', '--name', 'x', '--network', 'a')).toEqual(['app']);
    expect(await words('capture', '--container', 'w')).toEqual(['web']);
    expect(await words('inspect', 'b')).toEqual(['bridge']);
    expect(await words('doctor', '--bundle', 'x')).toBe('files');
    expect(await words('exec', 'web', '--', '')).toEqual([]);
  });
});
