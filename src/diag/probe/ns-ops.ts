import fs from 'node:fs/promises';
import { readNowOrRefuse } from '../../netcore/kernel/read-now.js';
import { assertEntered, run, type Where } from '../../netcore/kernel/exec.js';
import { readLinks } from '../../netcore/kernel/links.js';
import { readNeighbours } from '../../netcore/kernel/neighbours.js';
import * as routeTable from '../../netcore/kernel/routes.js';
import { readIpv4Addresses, readIpv6Addresses } from '../../netcore/kernel/addresses.js';
import { formatIpv6 } from '../../netcore/ipv6.js';
import type { AddressInfo, DadState, LinkInfo, ListeningSocket, NeighEntry, RouteGetResult, RouteInfo } from './protocol.js';

/**
 * The read-only probes of a namespace: each reads it through netcore/kernel's
 * readers (netlink, or `ip` started there), reads /proc, or starts a tool in
 * it, so they need no process living inside it. The agent runs them "here";
 * the doctor runs them from outside (see prober.ts) without waiting for an agent.
 */
export type { Where };
export { assertEntered };

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
  return (await readLinks(at)).map(({ ifname, mtu, operstate, kind, ifindex, linkIndex, up, carrier, noarp, address, master, portState, stp }) =>
    ({ ifname, mtu, operstate, kind, ifindex, linkIndex, up, carrier, noarp, mac: address, master, portState, stp }));
}

/** `ip route get ADDR` */
export const routeGet = (addr: string, at: Where = {}): Promise<RouteGetResult> => routeTable.routeGet(addr, at);

export const neigh = (at: Where = {}): Promise<NeighEntry[]> => readNeighbours(at);

/** IPv4 addresses (`ip -4 addr`), or IPv6 ones (`ip -6 addr`) */
export const addresses = (at: Where = {}, family: 4 | 6 = 4): Promise<AddressInfo[]> => (family === 6 ? readIpv6Addresses : readIpv4Addresses)(at);

/** the main table (`ip -4 route`, `ip -6 route`) */
export async function routes(at: Where = {}, family: 4 | 6 = 4): Promise<RouteInfo[]> {
  return (await (family === 6 ? routeTable.readIpv6Routes : routeTable.readIpv4Routes)(at)).map(({ dst, dev, gateway }) => ({ dst, dev, gateway }));
}

// include/uapi/linux/if_addr.h: /proc/net/if_inet6 prints the low byte of ifa_flags
const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;

/**
 * The IPv6 addresses duplicate address detection holds back, from
 * /proc/net/if_inet6 (the address readers do not carry the flags): a
 * dadfailed address stays tentative too, so dadfailed is said first.
 */
export async function dadStates(procNet = '/proc/net'): Promise<DadState[]> {
  return dadStatesIn(await fs.readFile(`${procNet}/if_inet6`, 'utf8').catch(() => ''));
}

/** The same, in a namespace only a path names: one `cat` started inside reads its own /proc/self/net/if_inet6. */
export async function dadStatesAt(netnsPath: string): Promise<DadState[]> {
  const res = await run('cat', ['/proc/self/net/if_inet6'], { netnsPath, reject: false });
  assertEntered(res);
  return dadStatesIn(res.stdout);
}

/** `fd000000000000000000000000000002 05 40 00 c0     eth0`: address, ifindex, prefix length, scope, flags, name */
export function dadStatesIn(text: string): DadState[] {
  const out: DadState[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0]!.length !== 32) continue;
    const flags = Number.parseInt(f[4]!, 16);
    const state = flags & IFA_F_DADFAILED ? 'dadfailed' : flags & IFA_F_TENTATIVE ? 'tentative' : null;
    if (state) out.push({ ifname: f[5]!, address: formatIpv6(BigInt(`0x${f[0]}`)), state });
  }
  return out;
}

export async function readFile(a: { path: string }): Promise<string | null> {
  return readNowOrRefuse(a.path);
}
