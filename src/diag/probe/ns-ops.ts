import fs from 'node:fs/promises';
import { readNow } from '../../netcore/kernel/read-now.js';
import { OperationError } from '../../netcore/errors.js';
import { isIPv4 } from 'node:net';
import { NOT_ENTERED, netnsPathFor, run, type RunResult } from '../../netcore/kernel/exec.js';
import * as netlink from '../../netcore/kernel/rtnl/read.js';
import type { LinkInfo, ListeningSocket, NeighEntry, RouteGetResult } from './protocol.js';

/**
 * The read-only probes of a namespace: each runs a tool in it (`ip`, started
 * in the namespace when it is not the caller's) or reads /proc, so they
 * need no process living inside it. The agent runs them "here"; the doctor
 * runs them from outside (see prober.ts) without waiting for an agent.
 */
export interface Where {
  /** a named namespace (/run/netns/NAME) */
  netns?: string | null;
  /** any path nsenter --net accepts */
  netnsPath?: string | null;
}

/**
 * Throws when the namespace could not be entered (gone, no privilege: the
 * addon's spawn or nsenter says so) rather than the tool failed: a probe
 * there fails, as an agent that cannot start there does.
 */
export function assertEntered(res: RunResult): void {
  if (res.exitCode !== 0 && (/^(nsenter: |spawn nsenter )/.test(res.stderr) || res.stderr.startsWith(NOT_ENTERED))) throw new OperationError(res.stderr.trim());
}

const SOCKET_TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;
type SocketTable = (typeof SOCKET_TABLES)[number];

/**
 * Listening sockets from /proc/net (which shows the reading process's own
 * namespace), or from /proc/<pid>/net (the namespace of that process).
 */
export async function listening(procNet = '/proc/net'): Promise<ListeningSocket[]> {
  // not readNow(): the kernel walks its whole TCP hash table for these (~5 ms each on a large machine)
  const texts = await Promise.all(SOCKET_TABLES.map((proto) => fs.readFile(`${procNet}/${proto}`, 'utf8').catch(() => '')));
  return listeningIn(new Map(SOCKET_TABLES.map((proto, i) => [proto, texts[i]!])));
}

/**
 * Listening sockets of a namespace that only a path names (no process of it
 * to read /proc/<pid>/net from): one `tail` started inside reads its own
 * /proc/self/net tables, each after a "==> FILE <==" header (a table the
 * kernel lacks, tcp6 without IPv6, is left out as listening() leaves it).
 */
export async function listeningAt(netnsPath: string): Promise<ListeningSocket[]> {
  const files = SOCKET_TABLES.map((proto) => `/proc/self/net/${proto}`);
  const res = await run('tail', ['-n', '+1', '--', ...files], { netnsPath, reject: false });
  assertEntered(res);
  const texts = new Map<SocketTable, string>();
  let table: SocketTable | null = null;
  for (const line of res.stdout.split('\n')) {
    const header = /^==> \/proc\/self\/net\/(\w+) <==$/.exec(line);
    if (header) {
      table = SOCKET_TABLES.find((t) => t === header[1]) ?? null;
      if (table) texts.set(table, '');
    } else if (table) {
      texts.set(table, `${texts.get(table)}${line}\n`);
    }
  }
  return listeningIn(texts);
}

/** The sockets in LISTEN (tcp) or unconnected (udp) state of each table's text, header line first. */
function listeningIn(texts: Map<SocketTable, string>): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const proto of SOCKET_TABLES) {
    const text = texts.get(proto) ?? '';
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

export async function links(at: Where = {}): Promise<LinkInfo[]> {
  if (netlink.rtnlAvailable()) {
    return netlink.readLinks(netnsPathFor(at)).map(({ ifname, mtu, operstate, kind, ifindex, linkIndex }) => ({ ifname, mtu, operstate, kind, ifindex, linkIndex }));
  }
  const res = await run('ip', ['-d', '-j', 'link', 'show'], at);
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, any>>).map((l) => ({
    ifname: l.ifname, mtu: l.mtu, operstate: l.operstate, kind: l.linkinfo?.info_kind ?? null, ifindex: l.ifindex, linkIndex: l.link_index ?? null,
  }));
}

/** `ip route get ADDR` */
export async function routeGet(addr: string, at: Where = {}): Promise<RouteGetResult> {
  if (netlink.rtnlAvailable() && isIPv4(addr)) return netlink.routeGet(netnsPathFor(at), addr);
  const res = await run('ip', ['-j', 'route', 'get', addr], { ...at, reject: false });
  if (res.exitCode !== 0) return { dev: null, gateway: null, src: null, mtu: null, error: res.stderr.trim() };
  const r = (JSON.parse(res.stdout) as Array<Record<string, any>>)[0] ?? {};
  return { dev: r.dev ?? null, gateway: r.gateway ?? null, src: r.prefsrc ?? null, mtu: r.metrics?.[0]?.mtu ?? null, error: null };
}

export async function neigh(at: Where = {}): Promise<NeighEntry[]> {
  if (netlink.rtnlAvailable()) return netlink.readNeighbours(netnsPathFor(at));
  const res = await run('ip', ['-j', 'neigh', 'show'], { ...at, reject: false });
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, any>>).map((n) => ({ dst: n.dst, dev: n.dev, state: n.state ?? [], lladdr: n.lladdr ?? null }));
}

export async function readFile(a: { path: string }): Promise<string | null> {
  return readNow(a.path);
}
