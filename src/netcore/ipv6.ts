import { UsageError } from './errors.js';

/** IPv6 addresses and prefixes as 128-bit bigints: pure, no I/O. */
export interface Cidr6 {
  base: bigint; // network address
  prefix: number;
}

const BITS = 128n;
const ALL = (1n << BITS) - 1n;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** The 128-bit value of an IPv6 address (RFC 4291 text forms, a trailing dotted quad included), or null. */
function valueOf(text: string): bigint | null {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let body = text;
  const tail: number[] = [];
  const quad = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const octets = quad.slice(2).map(Number);
    if (octets.some((o) => o > 255)) return null;
    body = quad[1]!.endsWith('::') ? quad[1]! : quad[1]!.slice(0, -1);
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  if (![...head, ...rest].every((h) => HEXTET.test(h))) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const groups = [...head.map((h) => parseInt(h, 16)), ...Array(8 - given).fill(0), ...rest.map((h) => parseInt(h, 16)), ...tail];
  return groups.reduce((acc: bigint, g: number) => (acc << 16n) | BigInt(g), 0n);
}

export function isIpv6(text: string): boolean {
  return valueOf(text) !== null;
}

export function parseIpv6(text: string): bigint {
  const v = valueOf(text);
  if (v === null) throw new UsageError(`invalid IPv6 address "${text}"`);
  return v;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export function maskOf6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << (BITS - BigInt(prefix))) & ALL;
}

/** Parses "addr/n"; the address must be the network address, as Docker requires. */
export function parseCidr6(text: string): Cidr6 {
  const m = /^([0-9a-fA-F:.]+)\/([0-9]{1,3})$/.exec(text);
  const addr = m ? valueOf(m[1]!) : null;
  if (!m || addr === null || Number(m[2]) > 128) throw new UsageError(`invalid IPv6 CIDR "${text}"`);
  const prefix = Number(m[2]);
  const base = addr & maskOf6(prefix);
  if (base !== addr) throw new UsageError(`invalid IPv6 CIDR "${text}": host bits set (did you mean ${formatIpv6(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIpv6(c.base)}/${c.prefix}`;
}

export function contains6(c: Cidr6, addr: bigint): boolean {
  return (addr & maskOf6(c.prefix)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

export function lastAddress6(c: Cidr6): bigint {
  return c.base | (~maskOf6(c.prefix) & ALL);
}

/** Unique local addresses, fc00::/7 (RFC 4193); fd00::/8 is the locally assigned half. */
export const ULA = parseCidr6('fc00::/7');
export const ULA_LOCAL = parseCidr6('fd00::/8');

/** Ranges that cannot be a network's subnet: unspecified/loopback/IPv4-mapped, link-local, multicast. */
const NOT_A_SUBNET: Array<[Cidr6, string]> = [
  [parseCidr6('::/96'), 'the unspecified, loopback and IPv4-compatible range ::/96'],
  [parseCidr6('::ffff:0:0/96'), 'the IPv4-mapped range ::ffff:0:0/96'],
  [parseCidr6('fe80::/10'), 'the link-local range fe80::/10'],
  [parseCidr6('ff00::/8'), 'the multicast range ff00::/8'],
];

/** Why `c` cannot be a network's subnet, or null when it can. */
export function unusableSubnet6(c: Cidr6): string | null {
  const hit = NOT_A_SUBNET.find(([range]) => overlaps6(range, c));
  return hit ? hit[1] : null;
}

/** An address as it stands before ":port": an IPv6 one in brackets, as Docker and URLs write it. */
export const hostAddressText = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** "10.0.0.1:8080", "[fd00::1]:8080" */
export const hostPortText = (ip: string, port: number): string => `${hostAddressText(ip)}:${port}`;
