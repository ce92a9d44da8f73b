import { afterEach, describe, expect, it } from 'vitest';
import { NamespaceProber } from '../../../src/netcore/agent/prober.js';
// the agent is a built file (dist/): a prober from there can start one
import { NamespaceProber as BuiltProber } from '../../../dist/netcore/agent/prober.js';

/**
 * Which probes start an agent: read-only ones run from outside at once;
 * resolve, ping and connect need an agent in the namespace. Run in the
 * test's own namespace, reading only, and pinging loopback.
 */
let probers: NamespaceProber[] = [];
afterEach(() => {
  for (const p of probers) p.close();
  probers = [];
});

function prober(netnsPath: string | null, Prober: typeof NamespaceProber = NamespaceProber) {
  const started: string[] = [];
  const p = new Prober(netnsPath, (a) => started.push(a.where));
  probers.push(p);
  return { p, started };
}

describe('NamespaceProber', () => {
  it('reads links, routes and listening sockets without an agent', async () => {
    const { p, started } = prober(null);
    expect(p.readsFromOutside).toBe(true);
    const [links, route, sockets] = await Promise.all([p.call('links', {}), p.call('routeGet', { addr: '127.0.0.1' }), p.call('listening', {})]);
    expect(links.map((l) => l.ifname)).toContain('lo');
    expect(route.dev).toBe('lo');
    expect(Array.isArray(sockets)).toBe(true);
    expect(started).toEqual([]);
  });
  it('a namespace named by a process id is read from outside too; a named one needs the agent for its sockets', () => {
    expect(prober(`/proc/${process.pid}/ns/net`).p.readsFromOutside).toBe(true);
    expect(prober('/run/netns/somewhere').p.readsFromOutside).toBe(false);
  });
  it('starts one agent for the probes that need a socket inside, and keeps it', async () => {
    const { p, started } = prober(null, BuiltProber as unknown as typeof NamespaceProber);
    const [a, b] = await Promise.all([p.call('ping', { addr: '127.0.0.1', count: 1, timeoutS: 1 }), p.call('ping', { addr: '127.0.0.1', dontFragment: true, size: 1000, count: 1, timeoutS: 1 })]);
    expect(a.alive).toBe(true);
    expect(b.alive).toBe(true);
    expect(started).toEqual(['the host namespace']);
  });
});
