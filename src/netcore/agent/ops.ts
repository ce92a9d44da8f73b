import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import { createRequire } from 'node:module';
import { run } from '../exec.js';
import { parseResolvConf } from '../resolvconf.js';
import type {
  ConnectArgs, ConnectResult, LinkInfo, ListeningSocket, NeighEntry, PingArgs, PingResult, ResolveArgs, ResolveResult, RouteGetResult,
} from './protocol.js';

/** The probes, as they run inside the agent's namespace. */
const require = createRequire(import.meta.url);

interface DnsPacketModule {
  Packet: {
    new (): { header: { id: number; rd: number }; questions: Array<{ name: string; type: number; class: number }>; toBuffer(): Buffer };
    parse(buf: Buffer): { header: { id: number; rcode: number }; answers: Array<{ type: number; address?: string }> };
    TYPE: Record<string, number>;
    CLASS: Record<string, number>;
  };
}
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export async function preload(): Promise<void> {
  require('dns2');
}

export async function resolve(a: ResolveArgs): Promise<ResolveResult> {
  const t0 = performance.now();
  let server = a.server ?? null;
  if (!server && a.resolvConf) {
    const text = await fs.readFile(a.resolvConf, 'utf8').catch(() => null);
    server = text === null ? null : (parseResolvConf(text).nameservers[0] ?? null);
  }
  if (!server) return { server: null, rcode: null, addresses: [], ms: 0, error: 'no nameserver in the resolver file' };
  const { Packet } = require('dns2') as DnsPacketModule;
  const q = new Packet();
  q.header.id = Math.floor(Math.random() * 65535);
  q.header.rd = 1;
  const qtype = Packet.TYPE[a.qtype ?? 'A']!;
  q.questions.push({ name: a.name, type: qtype, class: Packet.CLASS.IN! });
  const [host, portText] = server.includes('#') ? server.split('#') : [server, '53'];
  const sock = dgram.createSocket(net.isIPv6(host!) ? 'udp6' : 'udp4');
  try {
    return await new Promise<ResolveResult>((resolveP) => {
      const timer = setTimeout(() => resolveP({ server, rcode: null, addresses: [], ms: performance.now() - t0, error: 'timeout' }), a.timeoutMs ?? 4000);
      sock.on('error', (err) => {
        clearTimeout(timer);
        resolveP({ server, rcode: null, addresses: [], ms: performance.now() - t0, error: err.message });
      });
      sock.on('message', (msg) => {
        try {
          const p = Packet.parse(msg);
          if (p.header.id !== q.header.id) return;
          clearTimeout(timer);
          const addresses = p.answers.filter((r) => r.type === qtype && r.address).map((r) => r.address!);
          resolveP({ server, rcode: RCODES[p.header.rcode] ?? String(p.header.rcode), addresses, ms: performance.now() - t0, error: null });
        } catch {
          // not a reply we can read: keep waiting for one
        }
      });
      sock.send(q.toBuffer(), Number(portText), host);
    });
  } finally {
    sock.close();
  }
}

export async function ping(a: PingArgs): Promise<PingResult> {
  const pingLib = require('ping') as { promise: { probe(addr: string, cfg: object): Promise<{ alive: boolean; time: number | 'unknown'; output: string }> } };
  const extra = ['-c', String(a.count ?? 1), ...(a.dontFragment ? ['-M', 'do'] : [])];
  const res = await pingLib.promise.probe(a.addr, { timeout: a.timeoutS ?? 1, packetSize: a.size ?? 56, extra });
  return { alive: res.alive, ms: typeof res.time === 'number' ? res.time : null, output: res.output };
}

export function connect(a: ConnectArgs): Promise<ConnectResult> {
  const t0 = performance.now();
  return new Promise((resolveP) => {
    const sock = net.connect({ host: a.addr, port: a.port });
    const done = (result: ConnectResult['result'], error: string | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolveP({ result, ms: performance.now() - t0, error });
    };
    const timer = setTimeout(() => done('timeout', null), a.timeoutMs ?? 2000);
    sock.on('connect', () => done('open', null));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('refused', err.message);
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') done('unreachable', err.message);
      else done('error', err.message);
    });
  });
}

/** Listening sockets from /proc/net (which shows the reading process's own namespace). */
export async function listening(): Promise<ListeningSocket[]> {
  const out: ListeningSocket[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const text = await fs.readFile(`/proc/net/${proto}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const state = f[3];
      if (proto.startsWith('tcp') ? state !== '0A' : state !== '07') continue;
      const [hexAddr, hexPort] = f[1]!.split(':') as [string, string];
      out.push({ proto, addr: decodeProcAddr(hexAddr), port: Number.parseInt(hexPort, 16) });
    }
  }
  return out;
}

function decodeProcAddr(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const words: string[] = [];
  for (let w = 0; w < 4; w++) {
    const chunk = hex.slice(w * 8, w * 8 + 8);
    const bytes = [3, 2, 1, 0].map((i) => chunk.slice(i * 2, i * 2 + 2)).join('');
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = words.join(':').toLowerCase();
  if (full === '0000:0000:0000:0000:0000:0000:0000:0000') return '::';
  if (full.startsWith('0000:0000:0000:0000:0000:ffff:')) {
    const v4 = hex.slice(24);
    return `::ffff:${[3, 2, 1, 0].map((i) => Number.parseInt(v4.slice(i * 2, i * 2 + 2), 16)).join('.')}`;
  }
  return full.replace(/\b0+(?=[0-9a-f])/g, '');
}

export async function links(): Promise<LinkInfo[]> {
  const res = await run('ip', ['-d', '-j', 'link', 'show']);
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, any>>).map((l) => ({
    ifname: l.ifname, mtu: l.mtu, operstate: l.operstate, kind: l.linkinfo?.info_kind ?? null, ifindex: l.ifindex, linkIndex: l.link_index ?? null,
  }));
}

export async function routeGet(a: { addr: string }): Promise<RouteGetResult> {
  const res = await run('ip', ['-j', 'route', 'get', a.addr], { reject: false });
  if (res.exitCode !== 0) return { dev: null, gateway: null, src: null, mtu: null, error: res.stderr.trim() };
  const r = (JSON.parse(res.stdout) as Array<Record<string, any>>)[0] ?? {};
  return { dev: r.dev ?? null, gateway: r.gateway ?? null, src: r.prefsrc ?? null, mtu: r.metrics?.[0]?.mtu ?? null, error: null };
}

export async function neigh(): Promise<NeighEntry[]> {
  const res = await run('ip', ['-j', 'neigh', 'show'], { reject: false });
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, any>>).map((n) => ({ dst: n.dst, dev: n.dev, state: n.state ?? [], lladdr: n.lladdr ?? null }));
}

export async function readFile(a: { path: string }): Promise<string | null> {
  return fs.readFile(a.path, 'utf8').catch(() => null);
}
