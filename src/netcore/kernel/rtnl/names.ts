import { readNow } from '../read-now.js';

/**
 * The words `ip` prints for the numbers netlink gives, so a reading over
 * netlink says what `ip -j` says (iproute2: lib/rt_names.c, ip/ipneigh.c,
 * ip/ipaddress.c).
 */

/** iproute2's built-in route protocol names, before its rt_protos files. */
const BUILTIN_PROTOCOLS: Record<number, string> = {
  0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt', 11: 'zebra',
  12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived', 42: 'babel', 186: 'bgp',
  187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp',
};
const PROTOCOL_FILES = ['/usr/share/iproute2/rt_protos', '/etc/iproute2/rt_protos'];

let protocols: Map<number, string> | null = null;

/** A route's protocol as `ip route` names it: the built-in names, then rt_protos files (later wins), else the number. */
export function protocolName(n: number): string {
  if (!protocols) {
    protocols = new Map(Object.entries(BUILTIN_PROTOCOLS).map(([k, v]) => [Number(k), v]));
    for (const file of PROTOCOL_FILES) {
      for (const line of (readNow(file) ?? '').split('\n')) {
        const m = /^\s*(0x[0-9a-f]+|\d+)\s+(\S+)/i.exec(line);
        if (m) protocols.set(Number(m[1]), m[2]!);
      }
    }
  }
  return protocols.get(n) ?? String(n);
}

const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

export const operstateName = (n: number): string => OPERSTATES[n] ?? String(n);

const NUD_STATES: Array<[number, string]> = [
  [0x01, 'INCOMPLETE'], [0x02, 'REACHABLE'], [0x04, 'STALE'], [0x08, 'DELAY'],
  [0x10, 'PROBE'], [0x20, 'FAILED'], [0x40, 'NOARP'], [0x80, 'PERMANENT'],
];

/** A neighbour's state bits as `ip -j neigh` lists them. */
export function nudStateNames(state: number): string[] {
  const names = NUD_STATES.filter(([bit]) => state & bit).map(([, name]) => name);
  return state === 0 ? ['NONE'] : names;
}

/** A hardware address as `ip` prints it: lowercase hex bytes joined by colons. */
export const linkAddressText = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

export const ipv4Text = (b: Buffer): string => `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;

/** An IPv6 address as glibc's inet_ntop writes it (RFC 5952, with its IPv4-mapped and -compatible forms). */
export function ipv6Text(b: Buffer): string {
  const words = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  const v4Tail = best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best.base) {
      out += ':';
      i += best.len - 1;
      if (i === 7) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && v4Tail) return out + ipv4Text(b.subarray(12, 16));
    out += words[i]!.toString(16);
  }
  return out;
}

export const addressText = (b: Buffer): string => (b.length === 4 ? ipv4Text(b) : b.length === 16 ? ipv6Text(b) : linkAddressText(b));
