import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/sandbox.js';

/**
 * The installed-CLI niceties, run from the built bundle: completion scripts
 * loaded by the shells themselves (bash driven through COMP_WORDS, fish's
 * `complete -C`), names from a state store, and the man page rendered by man(1).
 */
describe('completion and man page', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-compl-'));
  const env = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, TSDIAG_STATE_DIR: path.join(dir, 'state'), DOCKER_HOST: `unix://${dir}/no-docker.sock`, HOME: dir };
  const sh = async (shell: string, script: string) => {
    const res = await execa(shell, ['-c', script], { env, cwd: dir, reject: false, extendEnv: false });
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode };
  };

  beforeAll(() => {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/tsdiag'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'state/default'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'state/default/state.json'), JSON.stringify({
      version: 1, networks: { n1: { name: 'app' }, n2: { name: 'back' } }, containers: { c1: { name: 'web' }, c2: { name: 'db' } },
    }));
    fs.writeFileSync(path.join(dir, 'report.tar.gz'), '');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const bashComplete = async (...words: string[]) => {
    const list = words.map((w) => `'${w}'`).join(' ');
    const res = await sh('bash', `source <(tsdiag completion bash) && COMP_WORDS=(tsdiag ${list}) && COMP_CWORD=${words.length} && _tsdiag && printf '%s\\n' "\${COMPREPLY[@]}"`);
    expect(res.stderr).toBe('');
    return res.stdout.split('\n').filter(Boolean);
  };

  it('bash loads the script and completes commands, subcommands, options and names', async () => {
    expect((await sh('bash', 'source <(tsdiag completion bash); complete -p tsdiag')).stdout.trim()).toBe('complete -F _tsdiag tsdiag');
    expect(await bashComplete('do')).toEqual(['doctor']);
    expect(await bashComplete('network', 'c')).toEqual(['connect', 'create']);
    expect(await bashComplete('network', 'create', '--driver', '')).toEqual(['bridge', 'macvlan']);
    expect(await bashComplete('doctor', '--b')).toEqual(['--backend', '--bundle']);
    expect(await bashComplete('doctor', '')).toEqual(['db', 'web']);
    expect(await bashComplete('doctor', 'web', 'd')).toEqual(['db']);
    expect(await bashComplete('network', 'rm', '')).toEqual(['app', 'back']);
    expect(await bashComplete('run', '--network', 'b')).toEqual(['back']);
    expect(await bashComplete('doctor', '--from-bundle', 'rep')).toEqual(['report.tar.gz']);
    expect(await bashComplete('completion', '')).toEqual(['bash', 'fish', 'zsh']);
  });

  it('zsh and fish take their scripts; fish completes through it', async () => {
    for (const shell of ['zsh', 'fish']) {
      const file = path.join(dir, `c.${shell}`);
      fs.writeFileSync(file, (await execa(process.execPath, [CLI, 'completion', shell])).stdout);
      const res = await execa(shell, ['-n', file], { reject: false });
      expect(res.exitCode, `${shell}: ${res.stderr}`).toBe(0);
    }
    const fish = await sh('fish', 'tsdiag completion fish | source; complete -C "tsdiag doctor w"; complete -C "tsdiag netw"');
    expect(fish.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual(['web', 'network']);
    const zsh = await sh('zsh', 'autoload -Uz compinit && compinit -u -d $HOME/.zcompdump && source <(tsdiag completion zsh) && print -r -- $_comps[tsdiag]');
    expect(zsh.stdout.trim()).toBe('_tsdiag');
  });

  it('a wrong shell is a usage error', async () => {
    const res = await execa(process.execPath, [CLI, 'completion', 'tcsh'], { reject: false });
    expect(res.exitCode).toBe(2);
    expect(String(res.stderr)).toMatch(/bash, zsh, fish/);
  });

  it('the man page is built, renders without warnings and has every command', async () => {
    const page = path.resolve(path.dirname(CLI), '../man/tsdiag.1');
    expect(fs.readFileSync(page, 'utf8')).toBe(String((await execa(process.execPath, [CLI, 'man', '--roff'])).stdout) + '\n');
    const res = await execa('man', ['--warnings', '-l', page], { env: { MANWIDTH: '80', MAN_KEEP_FORMATTING: '' }, reject: false });
    expect(res.exitCode).toBe(0);
    expect(String(res.stderr)).toBe('');
    const text = String(res.stdout).replace(/.\x08/g, '');
    const help = String((await execa(process.execPath, [CLI, '--help'])).stdout);
    const commands = help.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim().split(/\s+/)[0]!);
    expect(commands).toContain('completion');
    for (const c of commands) expect(text, c).toContain(`tsdiag ${c}\n`);
    for (const v of ['TSDIAG_STATE_DIR', 'TSDIAG_NATIVE', 'EXIT STATUS', '--from-bundle FILE']) expect(text).toContain(v);
    expect(String((await execa(process.execPath, [CLI, 'man'])).stdout)).toMatch(/^\.TH TSDIAG 1 /);
  });
});
