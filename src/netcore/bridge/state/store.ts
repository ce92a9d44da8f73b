import fs from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import path from 'node:path';
import { hostStateDir, type HostRef } from '../../host.js';
import { OperationError } from '../../errors.js';
import { isAlive } from '../../kernel/processes.js';
import { emptyState, type HostState } from './types.js';

/**
 * The state store: one JSON file per host, replaced atomically (temp file,
 * fsync, rename) so a reader never sees half a file, and one lock across every
 * read-modify-write so parallel `tsdiag run` calls never hand out one address twice.
 */
export function statePath(host: HostRef): string {
  return path.join(hostStateDir(host), 'state.json');
}

export async function readState(host: HostRef): Promise<HostState> {
  try {
    const text = await fs.readFile(statePath(host), 'utf8');
    const parsed = JSON.parse(text) as HostState;
    if (parsed.version !== 1) throw new OperationError(`${statePath(host)}: unknown state version ${String(parsed.version)}`);
    return parsed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
}

export async function writeState(host: HostRef, state: HostState): Promise<void> {
  const dir = hostStateDir(host);
  await fs.mkdir(dir, { recursive: true });
  const file = statePath(host);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(JSON.stringify(state, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

const LOCK_STALE_CHECK_MS = 200;
const LOCK_TIMEOUT_MS = 60_000;

/**
 * An exclusive lock on one host's state: a lock file created with O_EXCL that
 * holds the owner's pid. A lock whose owner died (kill -9 half way) is taken over.
 */
async function acquireLock(host: HostRef): Promise<() => Promise<void>> {
  const dir = hostStateDir(host);
  await fs.mkdir(dir, { recursive: true });
  const lockFile = path.join(dir, 'state.lock');
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let lastStaleCheck = 0;
  let delay = 2;
  for (;;) {
    try {
      const fh = await fs.open(lockFile, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o644);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await fs.rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (Date.now() - lastStaleCheck > LOCK_STALE_CHECK_MS) {
      lastStaleCheck = Date.now();
      const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
        // rename first so that two waiters cannot both remove a fresh lock
        const stale = `${lockFile}.stale.${process.pid}`;
        await fs.rename(lockFile, stale).then(() => fs.rm(stale, { force: true }), () => undefined);
        continue;
      }
    }
    if (Date.now() > deadline) throw new OperationError(`timed out waiting for the state lock ${lockFile}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 25);
  }
}

/**
 * Runs `fn` under the host's state lock with the current state; `fn` returns the
 * new state to write (or null to leave it as it is) and a result.
 */
export async function withState<T>(
  host: HostRef,
  fn: (state: HostState) => Promise<{ state: HostState | null; result: T }>,
): Promise<T> {
  const release = await acquireLock(host);
  try {
    const { state, result } = await fn(await readState(host));
    if (state) await writeState(host, state);
    return result;
  } finally {
    await release();
  }
}
