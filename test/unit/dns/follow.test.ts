import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { followState, type StateFollower } from '../../../src/dns/follow.js';
import { writeState } from '../../../src/netcore/bridge/state/store.js';
import type { HostState } from '../../../src/netcore/bridge/state/types.js';
import { container, network, state } from './fixture.js';

const dirs: string[] = [];
const followers: StateFollower[] = [];
afterEach(() => {
  for (const f of followers.splice(0)) f.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('followState', () => {
  it('sees the first state and every atomic replacement, debounced', async () => {
    const host = { netns: null, stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-dns-follow-')) };
    dirs.push(host.stateDir);
    const seen: HostState[] = [];
    followers.push(await followState(host, (s) => seen.push(s), { debounceMs: 20 }));
    expect(Object.keys(seen[0]!.networks)).toEqual([]); // no file yet: the empty state
    for (let i = 1; i <= 3; i++) {
      await writeState(host, state([network('n')], Array.from({ length: i }, (_, k) => container(`c${k}`, [{ network: 'n', ipv4: `10.0.0.${k + 2}` }]))));
    }
    await expect.poll(() => Object.keys(seen.at(-1)!.containers).length, { timeout: 3000 }).toBe(3);
    expect(seen.length).toBeLessThanOrEqual(4);
    fs.writeFileSync(path.join(host.stateDir, 'default', 'state.json'), '{ half a fi');
    await new Promise((r) => setTimeout(r, 150));
    expect(Object.keys(seen.at(-1)!.containers).length).toBe(3); // a bad file keeps the last good state
  });
});
