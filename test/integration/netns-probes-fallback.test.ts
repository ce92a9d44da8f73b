import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NamespaceProber } from '../../src/diag/probe/prober.js';
// the agent is a built file (dist/): a prober from there can start one
import { NamespaceProber as BuiltProber } from '../../dist/diag/probe/prober.js';
import { AgentPool } from '../../dist/diag/agents.js';

// A machine where the tsdiag-native addon did not build: resolve and
// connect go to a probe agent (started early for a namespace that sends),
// which answers them in the same shape; ping and the read-only probes still
// run from this process. Probes go to loopback in the test's own namespace,
// named by this process's id.
vi.mock('node:module', (importOriginal) => import('../helpers/addon-hidden.js').then((m) => m.withoutAddon(importOriginal)));

const OWN = `/proc/${process.pid}/ns/net`;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function loopbackListener(): Promise<number> {
  const server = net.createServer((c) => c.destroy());
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('without the addon', () => {
  it('connects through an agent and pings from here', async () => {
    const started: string[] = [];
    const p = new (BuiltProber as unknown as typeof NamespaceProber)(OWN, (a) => started.push(a.where));
    cleanups.push(() => p.close());
    expect(p.sendsFromOutside).toBe(false);
    expect(p.readsFromOutside).toBe(true);
    const ping = await p.call('ping', { addr: '127.0.0.1', count: 1, timeoutS: 1 });
    expect(ping.alive).toBe(true);
    expect(started).toEqual([]);
    const port = await loopbackListener();
    const r = await p.call('connect', { addr: '127.0.0.1', port, timeoutMs: 1000 });
    expect(r).toMatchObject({ result: 'open', error: null });
    expect(started).toEqual([OWN]);
  });
  it('the pool starts the sender\'s agent early again, and only that one', () => {
    expect((BuiltProber as unknown as typeof NamespaceProber).needsNoAgent()).toBe(false);
    const pool = new AgentPool();
    cleanups.push(() => pool.close());
    pool.warm(OWN, true);
    pool.warm(`/proc/${process.ppid}/ns/net`, false);
    expect(pool.get(OWN).hasAgent).toBe(true);
    expect(pool.get(`/proc/${process.ppid}/ns/net`).hasAgent).toBe(false);
  });
});
