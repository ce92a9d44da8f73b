import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NamespaceProber, type ProberOptions } from '../../../../src/diag/probe/prober.js';
// the agent is a built file (dist/): a prober from there can start one
import { NamespaceProber as BuiltProber } from '../../../../dist/diag/probe/prober.js';

/**
 * Which probes start an agent: read-only ones run from outside at once, and
 * so do resolve, ping and connect unless the prober is told to leave them to
 * the agent (TSDIAG_NATIVE=-probe-sockets), which then answers them in the same shape.
 * Run in the test's own namespace, reading only, and probing loopback.
 */
let probers: NamespaceProber[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const p of probers) p.close();
  probers = [];
  for (const s of servers.splice(0)) s.close();
});

function prober(netnsPath: string | null, options: ProberOptions = {}, Prober: typeof NamespaceProber = NamespaceProber) {
  const started: string[] = [];
  const p = new Prober(netnsPath, (a) => started.push(a.where), options);
  probers.push(p);
  return { p, started };
}

const builtProber = (options: ProberOptions) => prober(null, options, BuiltProber as unknown as typeof NamespaceProber);

async function loopbackListener(): Promise<number> {
  const server = net.createServer((c) => c.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
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
  it('a namespace named by a process id is read from outside; a named one too, unless left to the agent', () => {
    expect(prober(`/proc/${process.pid}/ns/net`).p.readsFromOutside).toBe(true);
    expect(prober('/run/netns/somewhere').p.readsFromOutside).toBe(true);
    expect(prober('/run/netns/somewhere', { fromHere: false }).p.readsFromOutside).toBe(false);
    expect(prober(`/proc/${process.pid}/ns/net`, { fromHere: false }).p.sendsFromOutside).toBe(false);
  });
  it('pings and connects without an agent', async () => {
    const { p, started } = prober(null);
    expect(p.sendsFromOutside).toBe(true);
    const port = await loopbackListener();
    const [a, b, open] = await Promise.all([
      p.call('ping', { addr: '127.0.0.1', count: 1, timeoutS: 1 }),
      p.call('ping', { addr: '127.0.0.1', dontFragment: true, size: 1000, count: 1, timeoutS: 1 }),
      p.call('connect', { addr: '127.0.0.1', port, timeoutMs: 1000 }),
    ]);
    expect(a.alive).toBe(true);
    expect(b.alive).toBe(true);
    expect(open.result).toBe('open');
    expect(started).toEqual([]);
  });
  it('left to the agent, starts one for the probes that need a socket inside, keeps it, and answers in the same shape', async () => {
    const port = await loopbackListener();
    const probe = (p: NamespaceProber) => Promise.all([
      p.call('ping', { addr: '127.0.0.1', count: 1, timeoutS: 1 }),
      p.call('ping', { addr: '127.0.0.1', dontFragment: true, size: 1000, count: 1, timeoutS: 1 }),
      p.call('connect', { addr: '127.0.0.1', port, timeoutMs: 1000 }),
    ]);
    const viaAgent = builtProber({ fromHere: false });
    const fromHere = builtProber({});
    const [agentAnswers, hereAnswers] = await Promise.all([probe(viaAgent.p), probe(fromHere.p)]);
    expect(viaAgent.started).toEqual(['the host namespace']);
    expect(fromHere.started).toEqual([]);
    const shape = (answers: unknown[]) => answers.map((r) => Object.keys(r as object).sort());
    expect(shape(hereAnswers)).toEqual(shape(agentAnswers));
    expect(hereAnswers.map((r) => ('alive' in r ? r.alive : r.result))).toEqual(agentAnswers.map((r) => ('alive' in r ? r.alive : r.result)));
  });
});
