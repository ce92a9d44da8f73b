import net from 'node:net';
import { ipv6Text } from '../netcore/kernel/rtnl/names.js';

/**
 * IPv6 addresses as the DNS server meets them: the state file's spelling
 * (any valid form: "FD00:0::02"), the sockets' (libuv's or the addon's
 * 32-bit words) and the reverse names (`ip6.arpa`, 32 nibbles). The record
 * table and the routes key clients by one spelling, inet_ntop's (RFC 5952:
 * lower case, no leading zeros, the longest run of two or more zero groups as
 * `::`; netcore's rtnl ipv6Text), the one libuv gives Node's sockets too, so
 * that a state written by hand still matches the source address of a query.
 */

/** The 16 bytes of an IPv6 literal (no zone), or null. */
export function ipv6Bytes(ip: string): Buffer | null {
  if (!net.isIPv6(ip) || ip.includes('%')) return null;
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    // an embedded IPv4 tail ("::ffff:192.0.2.1") is two groups
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail = ''] = text.split('::') as [string, string?];
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = text.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

/** The address of four 32-bit words (network order, high word first), as the addon's meta holds it. */
export function formatIpv6Words(w0: number, w1: number, w2: number, w3: number): string {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(w0 >>> 0, 0);
  b.writeUInt32BE(w1 >>> 0, 4);
  b.writeUInt32BE(w2 >>> 0, 8);
  b.writeUInt32BE(w3 >>> 0, 12);
  return ipv6Text(b);
}

/** One spelling per IPv6 address (inet_ntop's); an IPv4 address or anything else comes back as it is. */
export function canonicalAddress(ip: string): string {
  if (!ip.includes(':')) return ip;
  const bytes = ipv6Bytes(ip);
  return bytes ? ipv6Text(bytes) : ip;
}

export const REVERSE_V6_SUFFIX = '.ip6.arpa';

/** `…ip6.arpa` (lower case, no trailing dot) -> the address, or null unless it is exactly 32 nibble labels. */
export function addressOfReverseV6(name: string): string | null {
  if (!name.endsWith(REVERSE_V6_SUFFIX)) return null;
  const nibbles = name.slice(0, -REVERSE_V6_SUFFIX.length).split('.');
  if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return null;
  return ipv6Text(Buffer.from(nibbles.reverse().join(''), 'hex'));
}
