import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { hostStateDir, type HostRef } from '../netcore/host.js';
import { statePath } from '../netcore/bridge/state/store.js';

/**
 * Docker updates its resolver's records while a container starts, so a name
 * resolves the moment `docker run` returns. tsdiag's server follows the state
 * file on its own; to keep the same promise it writes, after each state it
 * has loaded and bound, that state's digest to `dns.synced`, and `run`,
 * `network connect` and the lab wait until the digest matches the state file.
 */
export const syncFileOf = (host: HostRef) => path.join(hostStateDir(host), 'dns.synced');

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
