import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../config.js';
import { OperationError } from '../netcore/errors.js';
import { hostStateDir, type HostRef } from '../netcore/host.js';
import { startDetached } from '../netcore/kernel/detached.js';
import { isAlive } from '../netcore/kernel/processes.js';
import { readNow } from '../netcore/kernel/read-now.js';
import { servesEmbeddedDns } from '../netcore/bridge/containers.js';
import { readState, statePath } from '../netcore/bridge/state/store.js';
import { queryLogFile } from './log-follow.js';

/**
 * The host's DNS server as a daemon: where it keeps its pid, log and synced
 * digest, how it is started in the background, and when (ensureDnsServer).
 * Kept apart from the `dns` command so that `run`, `network connect` and the
 * lab do not load the whole server to start it.
 */
export const pidFileOf = (host: HostRef) => path.join(hostStateDir(host), 'dns.pid');
export const logFileOf = queryLogFile;
export const syncFileOf = (host: HostRef) => path.join(hostStateDir(host), 'dns.synced');

/**
 * The CLI the server runs as (`tsdiag dns serve`): dist/cli/main.js, from
 * tsc's dist/dns/ and from the bundle's dist/bundle/ alike.
 */
const CLI_SCRIPT = fileURLToPath(new URL('../cli/main.js', import.meta.url));

// The pid file: created with O_EXCL so that two servers started at once cannot
// both claim it; one left by a dead process is taken over.

/** The pid in the file when that process still runs, else null. */
export async function runningPid(file: string): Promise<number | null> {
  const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** Claims the file for this process; returns the other owner's pid when it is taken. */
export async function claimPidFile(file: string): Promise<{ claimed: true } | { claimed: false; owner: number }> {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await fs.open(file, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { claimed: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await runningPid(file);
    if (owner !== null) return { claimed: false, owner };
    const stale = `${file}.stale.${process.pid}`;
    await fs.rename(file, stale).then(() => fs.rm(stale, { force: true }), () => undefined);
  }
  throw new Error(`cannot claim ${file}`);
}

/** Removes the file if it still names this process. */
export async function releasePidFile(file: string): Promise<void> {
  const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
  if (pid === process.pid) await fs.rm(file, { force: true });
}

/**
 * Starts `tsdiag dns serve` for this host as a detached process (no-op when it
 * already runs): stdout and stderr to dns.log, the pid in dns.pid. Resolves
 * once the server has claimed its pid file.
 */
export async function startDnsServerInBackground(host: HostRef, opts: { cliScript?: string; args?: string[] } = {}): Promise<void> {
  const pidFile = pidFileOf(host);
  if ((await runningPid(pidFile)) !== null) return;
  await fs.mkdir(hostStateDir(host), { recursive: true });
  const script = opts.cliScript ?? process.argv[1] ?? '';
  const argv = [script, ...(host.netns ? ['--host-netns', host.netns] : []), 'dns', 'serve', ...(opts.args ?? [])];
  const env = childEnv({ TSDIAG_STATE_DIR: host.stateDir, TSDIAG_INSIDE_NETNS: undefined });
  const server = await startDetached(process.execPath, argv, { logFile: logFileOf(host), env });
  const up = await server.waitUntil(async () => (await runningPid(pidFile)) !== null, { timeoutMs: 10_000, pollMs: 50 });
  if (up === 'ready') return;
  const tail = (readNow(logFileOf(host)) ?? '').trim().split('\n').slice(-3).join('\n');
  throw new OperationError(`the DNS server did not start${server.exitCode !== null ? ` (exit code ${server.exitCode})` : ''}: ${tail}`);
}

/**
 * Docker updates its resolver's records while a container starts, so a name
 * resolves the moment `docker run` returns. tsdiag's server follows the state
 * file on its own; to keep the same promise it writes, after each state it
 * has loaded and bound, that state's digest to `dns.synced`, and `run`,
 * `network connect` and the lab wait until the digest matches the state file.
 */
export const stateDigest = (stateText: string) => createHash('sha1').update(stateText).digest('hex');

export async function markSynced(host: HostRef, stateText: string): Promise<void> {
  const file = syncFileOf(host);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, stateDigest(stateText) + '\n');
  await fs.rename(tmp, file);
}

const SYNC_POLL_MS = 10;

/** true once the server has loaded the state as it is now; false after timeoutMs (the caller goes on: names may lag). */
export async function waitForDnsSync(host: HostRef, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [text, synced] = await Promise.all([
      fs.readFile(statePath(host), 'utf8').catch(() => ''),
      fs.readFile(syncFileOf(host), 'utf8').catch(() => ''),
    ]);
    if (synced.trim() === stateDigest(text)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, SYNC_POLL_MS));
  }
}

/**
 * Starts the host's embedded DNS server once a container sits on a
 * user-defined bridge network, as Docker does, and waits until it has loaded
 * the state as it is now (a running server follows the store by itself), so
 * that the new names resolve when the command returns.
 */
export async function ensureDnsServer(host: HostRef): Promise<void> {
  const state = await readState(host);
  const needed = Object.values(state.containers).some((c) =>
    c.endpoints.some((e) => state.networks[e.network] && servesEmbeddedDns(state.networks[e.network]!)));
  if (!needed) return;
  await startDnsServerInBackground(host, { cliScript: CLI_SCRIPT });
  await waitForDnsSync(host);
}
