import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '../config.js';
import { OperationError } from '../netcore/errors.js';
import { hostStateDir, type HostRef } from '../netcore/host.js';
import { runningPid } from './pidfile.js';
import { queryLogFile } from './log-follow.js';

/**
 * Where the host's DNS server keeps its pid and log, and how it is started in
 * the background. Kept apart from the `dns` command so that `run` and
 * `network connect` do not load the whole server to start it.
 */
export const pidFileOf = (host: HostRef) => path.join(hostStateDir(host), 'dns.pid');
export const logFileOf = queryLogFile;

/**
 * Starts `tsdiag dns serve` for this host as a detached process (no-op when it
 * already runs): stdout and stderr to dns.log, the pid in dns.pid. Resolves
 * once the server has claimed its pid file.
 */
export async function startDnsServerInBackground(host: HostRef, opts: { cliScript?: string; args?: string[] } = {}): Promise<void> {
  const pidFile = pidFileOf(host);
  if ((await runningPid(pidFile)) !== null) return;
  fs.mkdirSync(hostStateDir(host), { recursive: true });
  const logFd = fs.openSync(logFileOf(host), 'a');
  const script = opts.cliScript ?? process.argv[1] ?? '';
  const argv = [script, ...(host.netns ? ['--host-netns', host.netns] : []), 'dns', 'serve', ...(opts.args ?? [])];
  const env = childEnv({ TSDIAG_STATE_DIR: host.stateDir, TSDIAG_INSIDE_NETNS: undefined });
  let exited: number | null = null;
  try {
    const child = spawn(process.execPath, argv, { detached: true, stdio: ['ignore', logFd, logFd], env });
    child.on('exit', (code) => (exited = code ?? 1));
    child.unref();
  } finally {
    fs.closeSync(logFd);
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await runningPid(pidFile)) !== null) return;
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = fs.readFileSync(logFileOf(host), 'utf8').trim().split('\n').slice(-3).join('\n');
  throw new OperationError(`the DNS server did not start${exited !== null ? ` (exit code ${exited})` : ''}: ${tail}`);
}

