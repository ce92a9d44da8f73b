import { execFileSync, spawn as nodeSpawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import type { NetnsCalls, SpawnCalls } from '../../src/netcore/kernel/native.js';
import { thrown } from '../helpers/addon-hidden.js';
import { withConfig } from '../helpers/config.js';

// The tsdiag-native addon's spawn (posix_spawn, optionally inside a network
// namespace) and readIn, with real tools as children: arguments, output,
// exit codes and signals, stdin, PATH search, what a child inherits (signal
// dispositions, environment), many children at once next to node's own, and
// a namespace the test makes (a veth pair only it has, its own ip_forward).
// The test's own namespace is only read; the namespace is removed afterwards.
type Exit = { code: number; signal: number; stdout: string; stderr: string };
interface Addon extends Omit<SpawnCalls, 'spawn'>, NetnsCalls {
  spawn(file: unknown, args: unknown, env: unknown, netnsPath: unknown, input: unknown, onExit: unknown): number;
}
const addon = createRequire(import.meta.url)('tsdiag-native') as Addon;

const NS = `tsdspawn${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const NS_PATH = `/run/netns/${NS}`;
const ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C'];
const ownNamespace = () => fs.readlinkSync('/proc/thread-self/ns/net');
let tmp: string;

function spawned(file: string, args: string[], opts: { env?: string[]; netnsPath?: string | null; input?: Buffer | null } = {}): Promise<Exit & { pid: number }> {
  return new Promise((resolve) => {
    const pid = addon.spawn(file, args, opts.env ?? ENV, opts.netnsPath ?? null, opts.input ?? null, (code: number, signal: number, out: Buffer, err: Buffer) =>
      resolve({ pid, code, signal, stdout: out.toString(), stderr: err.toString() }));
  });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-native-spawn-'));
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'add', 'tsdprobe0', 'type', 'veth', 'peer', 'name', 'tsdprobe1']);
  execFileSync('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
});

afterAll(() => {
  try {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch {
    // never made
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('spawn (tsdiag-native)', () => {
  it('rejects bad arguments with TypeError or RangeError, starting nothing', () => {
    const cb = () => undefined;
    const bad: unknown[][] = [
      [1, [], ENV, null, null, cb], ['', [], ENV, null, null, cb], ['echo\0x', [], ENV, null, null, cb],
      ['echo', 'hi', ENV, null, null, cb], ['echo', ['a\0b'], ENV, null, null, cb], ['echo', [1], ENV, null, null, cb],
      ['echo', [], 'PATH=/bin', null, null, cb], ['echo', [], ENV, 'run/netns/x', null, cb], ['echo', [], ENV, 7, null, cb],
      ['echo', [], ENV, null, 'text', cb], ['echo', [], ENV, null, null, 'cb'],
    ];
    for (const args of bad) expect(thrown(() => addon.spawn(...(args as [unknown, unknown, unknown, unknown, unknown, unknown]))).name, JSON.stringify(args)).toBe('TypeError');
    expect(thrown(() => addon.spawn('cat', [], ENV, null, Buffer.alloc(64 * 1024 + 1), cb)).name).toBe('RangeError');
    expect(thrown(() => addon.spawn('echo', new Array(5000).fill('x'), ENV, null, null, cb)).name).toBe('RangeError');
  });

  it('gives stdout, stderr and the exit code; a signal that ends the child as -1 and its number', async () => {
    expect(await spawned('sh', ['-c', 'echo out; echo err >&2; exit 3'])).toMatchObject({ code: 3, signal: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(await spawned('sh', ['-c', 'kill -TERM $$'])).toMatchObject({ code: -1, signal: 15 });
  });

  it('reads output of any size whole, and hands input to stdin (none: /dev/null)', async () => {
    const big = await spawned('head', ['-c', String(5 * 1024 * 1024), '/dev/zero']);
    expect(big.stdout.length).toBe(5 * 1024 * 1024);
    const input = Buffer.from('line one\nline two\n'.repeat(1000));
    expect((await spawned('cat', [], { input })).stdout).toBe(input.toString());
    expect((await spawned('wc', ['-c'])).stdout.trim()).toBe('0');
  });

  it('finds the file on the PATH of the env it is given, and says ENOENT or EACCES as execvp would', async () => {
    expect((await spawned('uname', [], { env: ['PATH=/nonexistent:/usr/bin'] })).stdout).toBe('Linux\n');
    expect(thrown(() => addon.spawn('uname', [], ['PATH=/nonexistent'], null, null, () => undefined))).toMatchObject({ code: 'ENOENT', syscall: 'spawn' });
    fs.writeFileSync(path.join(tmp, 'not-executable'), '#!/bin/sh\necho no\n', { mode: 0o644 });
    expect(thrown(() => addon.spawn(path.join(tmp, 'not-executable'), [], ENV, null, null, () => undefined))).toMatchObject({ code: 'EACCES' });
    expect(thrown(() => addon.spawn('not-executable', [], [`PATH=${tmp}`], null, null, () => undefined))).toMatchObject({ code: 'EACCES' });
  });

  it('starts the child as a fresh process: default signal dispositions, an empty mask, only the env it is given', async () => {
    const status = (await spawned('grep', ['-E', '^Sig(Ign|Blk)', '/proc/self/status'])).stdout;
    // Node ignores SIGPIPE: a child that inherited that would not die writing to a closed pipe
    expect(status).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    expect((await spawned('env', [], { env: ['PATH=/usr/bin:/bin', 'ONLY=this'] })).stdout).toBe('PATH=/usr/bin:/bin\nONLY=this\n');
  });

  it('runs the child inside the namespace it is given, and the caller stays at home', async () => {
    const home = ownNamespace();
    const inside = await spawned('ip', ['-o', 'link', 'show'], { netnsPath: NS_PATH });
    expect(ownNamespace()).toBe(home);
    expect(inside.stdout).toMatch(/tsdprobe0/);
    expect((await spawned('ip', ['-o', 'link', 'show'])).stdout).not.toMatch(/tsdprobe0/);
    expect((await spawned('readlink', ['/proc/self/ns/net'], { netnsPath: NS_PATH })).stdout.trim()).not.toBe(home);
  });

  it('refuses a namespace it cannot enter (open / setns), starting nothing', () => {
    const home = ownNamespace();
    expect(thrown(() => addon.spawn('true', [], ENV, path.join(tmp, 'none'), null, () => undefined))).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    fs.writeFileSync(path.join(tmp, 'plain'), '');
    expect(thrown(() => addon.spawn('true', [], ENV, path.join(tmp, 'plain'), null, () => undefined))).toMatchObject({ code: 'EINVAL', syscall: 'setns' });
    expect(ownNamespace()).toBe(home);
  });

  it('kill() signals its own running children only', async () => {
    let exit!: Promise<Exit>;
    const pid = await new Promise<number>((resolve) => {
      exit = new Promise((done) => {
        resolve(addon.spawn('sleep', ['30'], ENV, null, null, (code: number, signal: number) => done({ code, signal, stdout: '', stderr: '' })));
      });
    });
    expect(addon.kill(process.pid, 0)).toBe(false);
    expect(addon.kill(pid, 9)).toBe(true);
    expect(await exit).toMatchObject({ code: -1, signal: 9 });
    expect(addon.kill(pid, 9)).toBe(false);
  });

  it('reaps 300 children started at once, next to node:child_process\'s own, each with its own output', async () => {
    const ours = Array.from({ length: 300 }, (_, i) => spawned('sh', ['-c', `echo ${i}; exit ${i % 7}`]));
    const nodes = Array.from({ length: 20 }, (_, i) => new Promise<number | null>((resolve) => nodeSpawn('sh', ['-c', `exit ${i % 5}`]).on('close', resolve)));
    const results = await Promise.all(ours);
    expect(results.map((r) => [r.stdout, r.code])).toEqual(results.map((_, i) => [`${i}\n`, i % 7]));
    expect(await Promise.all(nodes)).toEqual(nodes.map((_, i) => i % 5));
  });
});

describe('readIn (tsdiag-native)', () => {
  it('reads files as the namespace shows them; null for one that cannot be read', () => {
    const home = ownNamespace();
    const [forward, missing] = addon.readIn(NS_PATH, ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/none']);
    expect(ownNamespace()).toBe(home);
    expect([forward, missing]).toEqual(['1\n', null]);
    const dev = addon.readIn(NS_PATH, ['/proc/thread-self/net/dev'])[0]!;
    expect(dev).toMatch(/tsdprobe0/);
    expect(fs.readFileSync('/proc/thread-self/net/dev', 'utf8')).not.toMatch(/tsdprobe0/);
  });
  it('rejects bad arguments and a namespace it cannot enter', () => {
    for (const args of [['x', []], [NS_PATH, 'a'], [NS_PATH, ['relative']], [NS_PATH, ['/a\0b']]] as const) {
      expect(thrown(() => addon.readIn(args[0], args[1] as unknown as string[])).name).toBe('TypeError');
    }
    expect(thrown(() => addon.readIn(NS_PATH, new Array(65).fill('/proc/version'))).name).toBe('RangeError');
    expect(thrown(() => addon.readIn(path.join(tmp, 'none'), ['/proc/version']))).toMatchObject({ code: 'ENOENT' });
  });
});

describe('run() through the addon and through node:child_process', () => {
  const both = async (cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}) => {
    const native = await run(cmd, args, { ...opts, reject: false });
    return [native, await withConfig({ TSDIAG_NATIVE: '-spawn' }, () => run(cmd, args, { ...opts, reject: false }))];
  };
  it('give the same results: in a namespace, with input, failing, missing, timed out', async () => {
    const cases: Array<[string, string[], Parameters<typeof run>[2]]> = [
      ['ip', ['-o', 'link', 'show'], { netns: NS }],
      ['sysctl', ['-n', 'net.ipv4.ip_forward'], { netnsPath: NS_PATH }],
      ['cat', [], { input: 'x'.repeat(100 * 1024) }],
      ['cat', [], { input: 'short' }],
      ['sh', ['-c', 'echo oops >&2; exit 4'], {}],
      ['no-such-tool-tsdiag', [], {}],
      ['sleep', ['5'], { timeoutMs: 100 }],
    ];
    for (const [cmd, args, opts] of cases) {
      const [native, viaNode] = await both(cmd, args, opts);
      expect(native, `${cmd} ${args.join(' ')}`).toEqual(viaNode);
    }
  });
  it('a namespace that cannot be entered reads as not entered either way', async () => {
    const [native, viaNode] = await both('true', [], { netnsPath: path.join(tmp, 'none') });
    expect(native!.exitCode).toBe(1);
    expect(native!.stderr).toMatch(/^cannot enter network namespace .*none: ENOENT/);
    expect(viaNode!.stderr).toMatch(/^nsenter: /);
  });
});
