import fs from 'node:fs';
import path from 'node:path';
import { readState, statePath } from '../netcore/bridge/state/store.js';
import type { HostRef } from '../netcore/host.js';
import type { HostState } from '../netcore/bridge/state/types.js';

/**
 * Follows a host's state file. The store replaces the file by rename, so the
 * directory is watched (a watch on the file would stay on the old inode);
 * bursts of events are debounced into one re-read. A file that cannot be read
 * or parsed leaves the last good state in place. A slow poll backs the watch
 * up (a directory removed and made again loses its watch).
 */
export interface StateFollower {
  close(): void;
}

export interface FollowOptions {
  debounceMs?: number;
  pollMs?: number;
  onError?: (message: string) => void;
}

export async function followState(host: HostRef, onState: (state: HostState, text: string) => void, opts: FollowOptions = {}): Promise<StateFollower> {
  const file = statePath(host);
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  let lastText: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const reload = async () => {
    timer = null;
    const text = await fs.promises.readFile(file, 'utf8').catch(() => '');
    if (closed || text === lastText) return;
    try {
      const state = await readState(host);
      lastText = text;
      onState(state, text);
    } catch (err) {
      opts.onError?.(`cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const schedule = () => {
    if (!closed && !timer) timer = setTimeout(() => void reload(), opts.debounceMs ?? 10);
  };

  const watcher = fs.watch(dir, (_event, name) => {
    if (!name || name === path.basename(file)) schedule();
  });
  watcher.on('error', (err) => opts.onError?.(`watching ${dir}: ${err.message}`));
  const poll = setInterval(schedule, opts.pollMs ?? 5000);
  poll.unref();
  await reload();

  return {
    close() {
      closed = true;
      watcher.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
