import { execFileSync, spawn } from 'node:child_process';
import { config } from '../../config.js';
import { OperationError } from '../errors.js';
import { nativeAddon, type SpawnCalls } from './native.js';
import { trace, tracing } from './trace.js';

/**
 * The one place that starts kernel tools. Arguments are always arrays and no
 * shell is involved. A command can run in a named network namespace, in any
 * namespace file (/proc/<pid>/ns/net), or in a container-style one (`ip netns
 * exec`, which also bind-mounts /etc/netns/<ns>/resolv.conf over /etc).
 *
 * Tools start through the native addon's spawn (posix_spawn, entering the
 * namespace on this thread for the moment of the start): node:child_process
 * forks, which costs this process ~2.5 ms of page-table copying per start,
 * plus an nsenter hop per namespace. Without the addon, for input over 64 KiB
 * and with TSDIAG_NATIVE=-spawn, node:child_process and nsenter do it. Importing
 * execa here would cost more than a whole `ip` batch (~120 ms at CLI start).
 */
/** A network namespace: a named one, or any namespace file; neither: this process's own. */
export interface Where {
  /** a named network namespace (/run/netns/NAME) */
  netns?: string | null;
  /** a namespace file instead (e.g. /proc/<pid>/ns/net of a Docker container) */
  netnsPath?: string | null;
}

export interface RunOptions extends Where {
  /** use `ip netns exec` so /etc/netns/<ns>/* is seen (resolver file) */
  withEtc?: boolean;
  input?: string;
  timeoutMs?: number;
  /** return the result instead of throwing when the exit code is not 0 */
  reject?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function netnsPathOf(netns: string): string {
  return `/run/netns/${netns}`;
}

/** The namespace file of a named namespace or a path (null: this process's own). */
export function netnsPathFor(where: Where): string | null {
  return where.netnsPath ?? (where.netns ? netnsPathOf(where.netns) : null);
}

export function wrapInNetns(cmd: string, args: string[], opts: RunOptions): [string, string[]] {
  if (opts.netns && opts.withEtc) return ['ip', ['netns', 'exec', opts.netns, cmd, ...args]];
  const nsPath = netnsPathFor(opts);
  if (nsPath) return ['nsenter', [`--net=${nsPath}`, '--', cmd, ...args]];
  return [cmd, args];
}

const toolEnv = () => ({ PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' });

/** What a namespace that cannot be entered reads as (assertEntered() looks for it). */
export const NOT_ENTERED = 'cannot enter network namespace';

/**
 * Throws when the namespace could not be entered (gone, no privilege: the
 * addon's spawn or nsenter says so) rather than the tool failed: a reading
 * there fails, as an agent that cannot start there does.
 */
export function assertEntered(res: RunResult): void {
  if (res.exitCode !== 0 && (/^(nsenter: |spawn nsenter )/.test(res.stderr) || res.stderr.startsWith(NOT_ENTERED))) throw new OperationError(res.stderr.trim());
}
const MAX_NATIVE_INPUT = 64 * 1024;

/** A killed-on-timeout child reads as `timeout` would report it: exit code 124 and a last stderr line. */
function resultOf(stdout: string, stderr: string, exitCode: number, timedOut: boolean, opts: RunOptions): RunResult {
  return timedOut ? { stdout, stderr: `${stderr}timed out after ${opts.timeoutMs} ms\n`, exitCode: 124 } : { stdout, stderr, exitCode };
}

function spawnNode(file: string, argv: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, argv, { env: toolEnv(), shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs) : null;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(`${e.message}\n`)));
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve(resultOf(Buffer.concat(out).toString(), Buffer.concat(err).toString(), code ?? 1, timedOut, opts));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

function spawnNative(native: SpawnCalls, cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const [file, argv] = opts.netns && opts.withEtc ? wrapInNetns(cmd, args, opts) : [cmd, args];
  const nsPath = opts.withEtc ? null : netnsPathFor(opts);
  const env = Object.entries(toolEnv()).map(([k, v]) => `${k}=${v}`);
  return new Promise((resolve) => {
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    let pid: number;
    const t0 = tracing ? performance.now() : 0;
    try {
      pid = native.spawn(file, argv, env, nsPath, opts.input ? Buffer.from(opts.input) : null, (code, _signal, stdout, stderr) => {
        if (timer) clearTimeout(timer);
        resolve(resultOf(stdout.toString(), stderr.toString(), code === -1 ? 1 : code, timedOut, opts));
      });
    } catch (err) {
      // the results node:child_process and nsenter give for the same failures
      const e = err as Error & { code?: string; syscall?: string; errno?: number };
      if (e.syscall === 'spawn') resolve({ stdout: '', stderr: `spawn ${file} ${e.code}\n`, exitCode: e.errno ?? -2 });
      else if (e.syscall === 'open' || e.syscall === 'setns') resolve({ stdout: '', stderr: `${NOT_ENTERED} ${nsPath}: ${e.code}\n`, exitCode: 1 });
      else throw err;
      return;
    }
    if (tracing) trace(`started ${file} (${(performance.now() - t0).toFixed(2)} ms in spawn)`);
    if (opts.timeoutMs) timer = setTimeout(() => { timedOut = native.kill(pid, 9); }, opts.timeoutMs);
  });
}

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = tracing ? performance.now() : 0;
  const native = config().native.spawn ? nativeAddon() : null;
  const out = native && Buffer.byteLength(opts.input ?? '') <= MAX_NATIVE_INPUT
    ? await spawnNative(native, cmd, args, opts)
    : await spawnNode(...wrapInNetns(cmd, args, opts), opts);
  if (tracing) trace(`ran ${[cmd, ...args].join(' ')} (${(performance.now() - t0).toFixed(0)} ms)`);
  if (out.exitCode !== 0 && opts.reject !== false) {
    const what = [cmd, ...args].join(' ');
    const why = out.stderr.trim().split('\n').slice(-1)[0] || `exit code ${out.exitCode}`;
    throw new OperationError(`${what}: ${why}`);
  }
  return out;
}

/**
 * A tool's stdout, synchronously, in this process's own namespace: for a
 * caller that cannot wait (capture's printer naming an interface mid-packet).
 * Throws as run() does when the tool fails.
 */
export function runNow(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const why = (e.stderr ?? '').trim().split('\n').slice(-1)[0] || e.message;
    throw new OperationError(`${[cmd, ...args].join(' ')}: ${why}`, { cause: err });
  }
}
