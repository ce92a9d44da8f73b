import { spawn } from 'node:child_process';
import { OperationError } from './errors.js';

/**
 * The one place that starts kernel tools. Arguments are always arrays and no
 * shell is involved. This hot path uses node:child_process directly: importing
 * execa costs more than a whole `ip` batch (measured ~120 ms at CLI start). A command can run in a named network namespace (nsenter
 * --net, cheap: no mount namespace) or in a container-style one (`ip netns
 * exec`, which also bind-mounts /etc/netns/<ns>/resolv.conf over /etc).
 */
export interface RunOptions {
  /** run inside this named network namespace (nsenter --net=/run/netns/NAME) */
  netns?: string | null;
  /** run inside this namespace file instead (e.g. /proc/<pid>/ns/net of a Docker container) */
  netnsPath?: string | null;
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

export function wrapInNetns(cmd: string, args: string[], opts: RunOptions): [string, string[]] {
  if (opts.netns && opts.withEtc) return ['ip', ['netns', 'exec', opts.netns, cmd, ...args]];
  const nsPath = opts.netnsPath ?? (opts.netns ? netnsPathOf(opts.netns) : null);
  if (nsPath) return ['nsenter', [`--net=${nsPath}`, '--', cmd, ...args]];
  return [cmd, args];
}

function spawnCollect(file: string, argv: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, argv, { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs) : null;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(`${e.message}\n`)));
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString() + (timedOut ? `timed out after ${opts.timeoutMs} ms\n` : ''),
        exitCode: timedOut ? 124 : (code ?? 1),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = wrapInNetns(cmd, args, opts);
  const out = await spawnCollect(file, argv, opts);
  if (out.exitCode !== 0 && opts.reject !== false) {
    const what = [cmd, ...args].join(' ');
    const why = out.stderr.trim().split('\n').slice(-1)[0] || `exit code ${out.exitCode}`;
    throw new OperationError(`${what}: ${why}`);
  }
  return out;
}
