import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamespaceProber, type ProberOptions } from '../../src/diag/probe/prober.js';
// the agent is a built file (dist/): a prober from there can start one
import { NamespaceProber as BuiltProber } from '../../dist/diag/probe/prober.js';
import { AgentPool } from '../../dist/diag/agents.js';
import { thrown } from '../helpers/addon-hidden.js';

// Probes from inside a namespace without a process living there: the
// tsdiag-native addon's socketIn (its arguments; a socket made in a test
// namespace really is in it), and the prober's resolve, connect, ping and
// listening sockets against the agent's answers. Everything happens in one
// namespace the test makes (an address on its loopback that only it has) and
// is removed afterwards; the test's own namespace is only read.
interface NetnsSocketAddon {
  socketIn(netnsPath: unknown, kind?: unknown): number;
}
const addon = createRequire(import.meta.url)('tsdiag-native') as NetnsSocketAddon;

const NS = `tsdprobe${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const NS_PATH = `/run/netns/${NS}`;
/** on the test namespace's loopback only */
const INSIDE = '203.0.113.77';
const PEER_NAME = 'peer.tsdiag.test';
const PEER_ADDR = '203.0.113.9';

const ip = (args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const ownNamespace = () => fs.readlinkSync('/proc/thread-self/ns/net');

let tmp: string;
let dnsmasq: ChildProcess | null = null;
let server: net.Server;
let serverPort: number;
const probers: NamespaceProber[] = [];

function prober(netnsPath: string, options: ProberOptions = {}) {
  const started: string[] = [];
  const p = new (BuiltProber as unknown as typeof NamespaceProber)(netnsPath, (a) => started.push(a.where), options);
  probers.push(p);
  return { p, started };
}

/** A TCP server whose socket is made inside NS: it listens on every address of NS, on a port the kernel picks. */
async function serverInside(): Promise<net.Server> {
  const s = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen({ fd: addon.socketIn(NS_PATH, 'tcp4') }, resolve);
  });
  return s;
}

async function waitForDns(p: NamespaceProber): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await p.call('resolve', { name: PEER_NAME, server: INSIDE, timeoutMs: 200 });
    if (r.rcode === 'NOERROR') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('dnsmasq in the test namespace did not answer');
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-netns-probes-'));
  ip(['netns', 'add', NS]);
  ip(['-n', NS, 'link', 'set', 'lo', 'up']);
  ip(['-n', NS, 'addr', 'add', `${INSIDE}/32`, 'dev', 'lo']);
  server = await serverInside();
  serverPort = (server.address() as net.AddressInfo).port;
  dnsmasq = spawn('nsenter', [`--net=${NS_PATH}`, '--', 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--bind-interfaces', `--listen-address=${INSIDE}`, '--port=53', `--address=/${PEER_NAME}/${PEER_ADDR}`, '--address=/invalid/', '--pid-file=', '--user=root'], { stdio: 'ignore' });
  await waitForDns(prober(NS_PATH).p);
});

afterAll(() => {
  for (const p of probers) p.close();
  server?.close();
  dnsmasq?.kill('SIGKILL');
  try {
    ip(['netns', 'del', NS]);
  } catch {
    // never made
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('socketIn (tsdiag-native)', () => {
  it('rejects bad arguments with TypeError before touching a namespace', () => {
    for (const args of [[1, 'udp4'], ['run/netns/x', 'udp4'], ['', 'tcp4'], [`${NS_PATH}\0x`, 'udp4'], [NS_PATH, 'raw'], [NS_PATH, 4], [NS_PATH, 'udp4\0']] as const) {
      const err = thrown(() => addon.socketIn(args[0], args[1]));
      expect(err.name, JSON.stringify(args)).toBe('TypeError');
    }
    expect(thrown(() => addon.socketIn(NS_PATH)).message).toMatch(/missing arguments/);
    expect(thrown(() => addon.socketIn(`/${'x'.repeat(5000)}`, 'udp4')).name).toBe('TypeError');
  });
  it('reports a missing file and files that are no network namespace as Node reports errors, and stays at home', () => {
    const home = ownNamespace();
    expect(thrown(() => addon.socketIn(path.join(tmp, 'none'), 'udp4'))).toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/^open ENOENT/) });
    fs.writeFileSync(path.join(tmp, 'plain'), '');
    expect(thrown(() => addon.socketIn(path.join(tmp, 'plain'), 'tcp4'))).toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/^setns EINVAL/) });
    // opened without waiting for a writer
    execFileSync('mkfifo', [path.join(tmp, 'fifo')]);
    expect(thrown(() => addon.socketIn(path.join(tmp, 'fifo'), 'udp4'))).toMatchObject({ code: 'EINVAL' });
    expect(ownNamespace()).toBe(home);
  });
  it('makes a socket that lives in the namespace: it binds an address only that namespace has, and the caller stays at home', async () => {
    const home = ownNamespace();
    const fd = addon.socketIn(NS_PATH, 'tcp4');
    expect(ownNamespace()).toBe(home);
    const sock = new net.Socket({ fd, readable: false, writable: false });
    const local = await new Promise<string>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect({ host: INSIDE, port: serverPort, localAddress: INSIDE }, () => resolve(sock.localAddress!));
    });
    sock.destroy();
    expect(local).toBe(INSIDE);
    // the same bind from a socket made here fails: the address is not in the test's namespace
    const here = net.connect({ host: INSIDE, port: serverPort, localAddress: INSIDE });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => here.once('error', resolve));
    expect(err.code).toBe('EADDRNOTAVAIL');
  });
});

describe('NamespaceProber in a namespace only a path names', () => {
  it('resolves, connects, pings and lists sockets without an agent, as the agent does', async () => {
    const resolvConf = path.join(tmp, 'resolv.conf');
    fs.writeFileSync(resolvConf, `nameserver ${INSIDE}\n`);
    const probe = async (p: NamespaceProber) => [
      ...(await Promise.all([
        p.call('resolve', { name: PEER_NAME, resolvConf, timeoutMs: 2000 }),
        p.call('resolve', { name: 'nothing.invalid', server: INSIDE, timeoutMs: 2000 }),
        p.call('connect', { addr: INSIDE, port: serverPort, timeoutMs: 1000 }),
        p.call('connect', { addr: INSIDE, port: serverPort === 1 ? 2 : 1, timeoutMs: 1000 }),
        p.call('ping', { addr: INSIDE, count: 1, timeoutS: 1 }),
        p.call('ping', { addr: INSIDE, dontFragment: true, size: 1000, count: 1, timeoutS: 1 }),
      ] as const)),
      // after the others: a resolve's socket is listed while it waits for its answer
      await p.call('listening', {}),
    ] as const;
    const here = prober(NS_PATH);
    const agent = prober(NS_PATH, { fromHere: false });
    const [fromHere, fromAgent] = [await probe(here.p), await probe(agent.p)];
    expect(here.started).toEqual([]);
    expect(agent.started).toEqual([NS_PATH]);
    const [peer, none, open, refused, ping, pingDf, sockets] = fromHere;
    expect(peer).toMatchObject({ server: INSIDE, rcode: 'NOERROR', addresses: [PEER_ADDR], error: null });
    expect(none.rcode).toBe('NXDOMAIN');
    expect(open).toMatchObject({ result: 'open', error: null });
    expect(refused.result).toBe('refused');
    expect(ping.alive && pingDf.alive).toBe(true);
    expect(sockets).toEqual(expect.arrayContaining([
      { proto: 'tcp', addr: '0.0.0.0', port: serverPort },
      { proto: 'udp', addr: INSIDE, port: 53 },
    ]));
    // the same answers, but for times
    const timeless = (answers: readonly unknown[]) => JSON.parse(JSON.stringify(answers, (k, v) => (k === 'ms' ? 0 : k === 'output' ? String(v).replace(/\d+\.\d+/g, 'N').replace(/time \d+ms/, 'time N ms') : v)));
    expect(timeless(fromHere)).toEqual(timeless(fromAgent));
  });
  it('a doctor run warms no agent: neither for the sender nor for a peer only looked at', () => {
    expect((BuiltProber as unknown as typeof NamespaceProber).needsNoAgent()).toBe(true);
    const pool = new AgentPool();
    try {
      pool.warm(NS_PATH, true);
      pool.warm(`/proc/${process.pid}/ns/net`, false);
      expect([pool.get(NS_PATH).hasAgent, pool.get(`/proc/${process.pid}/ns/net`).hasAgent]).toEqual([false, false]);
    } finally {
      pool.close();
    }
  });
  it('a host name to connect to goes to an agent, which looks it up and connects inside', async () => {
    const { p, started } = prober(NS_PATH);
    // the server listens on every address of NS, its loopback too
    const r = await p.call('connect', { addr: 'localhost', port: serverPort, timeoutMs: 1000 });
    expect(r.result).toBe('open');
    expect(started).toEqual([NS_PATH]);
  });
  it('a namespace that is gone fails every probe, as an agent that cannot start there', async () => {
    const gone = path.join(tmp, 'gone');
    for (const options of [{}, { fromHere: false }]) {
      const { p } = prober(gone, options);
      const outcomes = await Promise.allSettled([
        p.call('resolve', { name: PEER_NAME, server: INSIDE, timeoutMs: 500 }),
        p.call('connect', { addr: INSIDE, port: serverPort, timeoutMs: 500 }),
        p.call('ping', { addr: INSIDE, count: 1, timeoutS: 1 }),
        p.call('listening', {}),
      ]);
      expect(outcomes.map((o) => o.status), JSON.stringify(options)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    }
  });
});
