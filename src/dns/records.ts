import net from 'node:net';
import type { EndpointRecord, HostState, NetworkRecord } from '../netcore/bridge/state/types.js';
import { addressOfReverseV6, canonicalAddress, ipv6Bytes } from './ipv6-text.js';
import { CLASS_IN, QTYPE, type AnswerRecord } from './wire.js';

/**
 * The record table: a pure structure built from one state snapshot that
 * answers "what does client X get for name N of type T". The asking address
 * (IPv4 or IPv6, see ipv6-text.ts for its spelling) gives the client's
 * networks, the networks give the names (aardvark-dns's model). No sockets here.
 */

export const RECORD_TTL = 600;

export type Resolution =
  | { kind: 'refused' }
  | { kind: 'forward' }
  | { kind: 'answer'; answers: AnswerRecord[]; additionals?: AnswerRecord[] };

export interface Question {
  name: string; // lower case, no trailing dot
  plainName: boolean;
  qtype: number;
  qclass: number;
}

interface Host {
  container: string;
  network: string; // the network's own spelling
  a: AnswerRecord | null;
  aaaa: AnswerRecord | null;
}

interface NetworkNames {
  key: string; // lower-cased network name
  aliases: Map<string, Host[]>;
  names: Map<string, Host[]>; // container names and 12-hex short ids
  ptr: Map<string, string>; // ipv4 or canonical ipv6 -> "<container>.<network>"
}

const REFUSED: Resolution = { kind: 'refused' };
const FORWARD: Resolution = { kind: 'forward' };
const EMPTY: Resolution = { kind: 'answer', answers: [] };
const REVERSE_V4_SUFFIX = '.in-addr.arpa';

/** Networks that get embedded DNS: user-defined bridges (never the default bridge). */
export function servesNames(net: NetworkRecord): boolean {
  return net.driver === 'bridge' && !net.isDefault;
}

/** The addresses the server listens on: the gateways (IPv4 and IPv6) of every network that gets embedded DNS. */
export function gatewayAddresses(state: HostState): string[] {
  const out = new Set<string>();
  for (const n of Object.values(state.networks)) {
    if (!servesNames(n)) continue;
    if (n.gateway && n.enableIPv4 !== false) out.add(n.gateway);
    if (n.gateway6) out.add(canonicalAddress(n.gateway6));
  }
  return [...out].sort();
}

/** An endpoint's addresses as queries come from them (an IPv6-only endpoint has no IPv4). */
export function endpointAddresses(ep: EndpointRecord): string[] {
  const out: string[] = [];
  if (ep.ipv4) out.push(ep.ipv4);
  if (ep.ipv6 && ipv6Bytes(ep.ipv6)) out.push(canonicalAddress(ep.ipv6));
  return out;
}

function addTo(map: Map<string, Host[]>, key: string, host: Host): void {
  const list = map.get(key);
  if (!list) map.set(key, [host]);
  else if (!list.includes(host)) list.push(host);
}

function addressRecord(type: typeof QTYPE.A | typeof QTYPE.AAAA, ip: string | null): AnswerRecord | null {
  if (!ip) return null;
  const bytes = type === QTYPE.A ? ipv4Bytes(ip) : ipv6Bytes(ip);
  return bytes ? { owner: null, type, ttl: RECORD_TTL, data: bytes } : null;
}

function ipv4Bytes(ip: string): Buffer | null {
  if (!net.isIPv4(ip)) return null;
  return Buffer.from(ip.split('.').map(Number));
}

/** A shuffled copy (Fisher-Yates): several containers on one name come back in a new order each query. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

export class RecordTable {
  private readonly clients = new Map<string, NetworkNames[]>();

  static empty(): RecordTable {
    return new RecordTable(null);
  }

  static fromState(state: HostState): RecordTable {
    return new RecordTable(state);
  }

  private constructor(state: HostState | null) {
    if (!state) return;
    const byName = new Map<string, NetworkNames>();
    for (const n of Object.values(state.networks)) {
      if (!servesNames(n)) continue;
      byName.set(n.name, { key: n.name.toLowerCase(), aliases: new Map(), names: new Map(), ptr: new Map() });
    }
    for (const c of Object.values(state.containers)) {
      const mine: NetworkNames[] = [];
      for (const ep of c.endpoints) {
        const names = byName.get(ep.network);
        if (!names) continue;
        mine.push(names);
        const host: Host = { container: c.name, network: ep.network, a: addressRecord(QTYPE.A, ep.ipv4), aaaa: addressRecord(QTYPE.AAAA, ep.ipv6) };
        for (const alias of ep.aliases) addTo(names.aliases, alias.toLowerCase(), host);
        addTo(names.names, c.name.toLowerCase(), host);
        addTo(names.names, c.id.slice(0, 12).toLowerCase(), host);
        for (const ip of endpointAddresses(ep)) names.ptr.set(ip, `${c.name}.${ep.network}`);
      }
      if (!mine.length) continue;
      for (const ep of c.endpoints) if (byName.has(ep.network)) for (const ip of endpointAddresses(ep)) this.clients.set(ip, mine);
    }
  }

  /** Whether this address belongs to a container on a network with embedded DNS. */
  knowsClient(clientIp: string): boolean {
    return this.clients.has(clientIp);
  }

  resolve(clientIp: string, q: Question): Resolution {
    const nets = this.clients.get(clientIp);
    if (!nets) return REFUSED;
    if (q.qclass !== CLASS_IN || !q.plainName || !q.name) return FORWARD;
    switch (q.qtype) {
      case QTYPE.A:
        return this.addresses(nets, q.name, 'a');
      case QTYPE.AAAA:
        return this.addresses(nets, q.name, 'aaaa');
      case QTYPE.MX:
        return findHosts(nets, q.name) ? EMPTY : FORWARD;
      case QTYPE.PTR:
        return this.pointer(nets, q.name);
      case QTYPE.SRV:
        return this.service(nets, q.name);
      default:
        return FORWARD;
    }
  }

  private addresses(nets: NetworkNames[], name: string, family: 'a' | 'aaaa'): Resolution {
    const hosts = findHosts(nets, name);
    if (!hosts) return FORWARD;
    const answers: AnswerRecord[] = [];
    for (const h of hosts) {
      const rec = h[family];
      if (rec) answers.push(rec);
    }
    return { kind: 'answer', answers: answers.length > 1 ? shuffled(answers) : answers };
  }

  /** `d.c.b.a.in-addr.arpa` and the 32 nibbles of `….ip6.arpa`; a partial name (a zone's) is forwarded. */
  private pointer(nets: NetworkNames[], name: string): Resolution {
    const ip = addressOfReverseV4(name) ?? addressOfReverseV6(name);
    if (!ip) return FORWARD;
    for (const n of nets) {
      const target = n.ptr.get(ip);
      if (target) return { kind: 'answer', answers: [{ owner: null, type: QTYPE.PTR, ttl: RECORD_TTL, data: target }] };
    }
    return FORWARD;
  }

  /** `_port._proto.name`: one SRV per container on that name, its A record in the additional section. */
  private service(nets: NetworkNames[], name: string): Resolution {
    const m = /^_(\d{1,5})\._(tcp|udp)\.(.+)$/.exec(name);
    const port = m ? Number(m[1]) : 0;
    if (!m || port < 1 || port > 65535) return FORWARD;
    const hosts = findHosts(nets, m[3]!);
    if (!hosts) return FORWARD;
    const answers: AnswerRecord[] = [];
    const additionals: AnswerRecord[] = [];
    for (const h of shuffled(hosts)) {
      if (!h.a) continue;
      const target = `${h.container}.${h.network}`;
      answers.push({ owner: null, type: QTYPE.SRV, ttl: RECORD_TTL, data: { priority: 0, weight: 0, port, target } });
      additionals.push({ ...h.a, owner: target });
    }
    return { kind: 'answer', answers, additionals };
  }
}

function addressOfReverseV4(name: string): string | null {
  if (!name.endsWith(REVERSE_V4_SUFFIX)) return null;
  const octets = name.slice(0, -REVERSE_V4_SUFFIX.length).split('.');
  return octets.length === 4 ? octets.reverse().join('.') : null;
}

/**
 * Docker's name rules: for `a.b.c` try `a.b.c` on every shared network, then
 * `a.b` in network `c`, then `a` in network `b.c`; at each step aliases are
 * looked up before container names (and short ids), and the first network
 * (in the client's endpoint order) with a match wins.
 */
function findHosts(nets: NetworkNames[], name: string): Host[] | null {
  let hit = lookupIn(nets, name, null);
  for (let dot = name.lastIndexOf('.'); !hit && dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
    hit = lookupIn(nets, name.slice(0, dot), name.slice(dot + 1));
  }
  return hit;
}

function lookupIn(nets: NetworkNames[], name: string, network: string | null): Host[] | null {
  for (const n of nets) {
    if (network !== null && n.key !== network) continue;
    const hosts = n.aliases.get(name);
    if (hosts) return hosts;
  }
  for (const n of nets) {
    if (network !== null && n.key !== network) continue;
    const hosts = n.names.get(name);
    if (hosts) return hosts;
  }
  return null;
}
