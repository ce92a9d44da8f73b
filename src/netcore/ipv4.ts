import { UsageError } from './errors.js';

/** IPv4 addresses and prefixes as 32-bit unsigned numbers: pure, no I/O. */
export interface Cidr {
  base: number; // network address
  prefix: number;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIpv4(text: string): boolean {
  return IPV4_RE.test(text);
}

export function parseIpv4(text: string): number {
  if (!IPV4_RE.test(text)) throw new UsageError(`invalid IPv4 address "${text}"`);
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n"; the address must be the network address, as Docker requires. */
export function parseCidr(text: string, opts: { strict?: boolean } = {}): Cidr {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m || !isIpv4(m[1]!) || Number(m[2]) > 32) throw new UsageError(`invalid CIDR "${text}"`);
  const prefix = Number(m[2]);
  const addr = parseIpv4(m[1]!);
  const base = (addr & maskOf(prefix)) >>> 0;
  if (opts.strict !== false && base !== addr) {
    throw new UsageError(`invalid CIDR "${text}": host bits set (did you mean ${formatIpv4(base)}/${prefix}?)`);
  }
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function lastAddress(c: Cidr): number {
  return (c.base + size(c) - 1) >>> 0;
}

export function contains(c: Cidr, addr: number): boolean {
  return ((addr & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.prefix <= inner.prefix && contains(outer, inner.base);
}
