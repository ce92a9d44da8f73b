import { execa } from 'execa';
import { OperationError } from './errors.js';

/**
 * The one place that starts processes. Arguments are always arrays (never a
 * shell string). A command can run in a named network namespace (nsenter
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

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = wrapInNetns(cmd, args, opts);
  const res = await execa(file, argv, {
    input: opts.input,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: false,
    env: { LC_ALL: 'C' },
  });
  const out: RunResult = {
    stdout: String(res.stdout ?? ''),
    stderr: String(res.stderr ?? ''),
    exitCode: res.exitCode ?? (res.timedOut ? 124 : 1),
  };
  if (out.exitCode !== 0 && opts.reject !== false) {
    const what = [cmd, ...args].join(' ');
    const why = out.stderr.trim().split('\n').slice(-1)[0] || `exit code ${out.exitCode}`;
    throw new OperationError(`${what}: ${why}`);
  }
  return out;
}
