import type { Packet } from './packet.js';

/** IPv4 and IPv6 addresses as tcpdump -n prints them, with --names added. */
const IPV4_CACHE_LIMIT = 4096;
const ipv4Cache = new Map<number, string>();

/** cached: a capture keeps meeting the same few addresses, and each text is an allocation */
export function ipv4String(buf: Buffer, off: number): string {
  const key = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  let s = ipv4Cache.get(key);
  if (s === undefined) {
    s = `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
    if (ipv4Cache.size >= IPV4_CACHE_LIMIT) ipv4Cache.clear();
    ipv4Cache.set(key, s);
  }
  return s;
}

/** RFC 5952 text (as inet_ntop): longest run of two or more zero groups as `::`, IPv4-mapped tail. */
export function ipv6String(buf: Buffer, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  // ::ffff:a.b.c.d and ::a.b.c.d (not ::1 / ::) keep the dotted tail, as inet_ntop does
  const embedsV4 = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff));
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (embedsV4 && i === 6) {
      s += ipv4String(buf, off + 12);
      break;
    }
    s += g[i]!.toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

export function named(p: Packet, addr: string): string {
  if (p.opts.names === null) return addr;
  const name = p.opts.names.get(addr);
  return name ? `${addr}(${name})` : addr;
}

export function ipv4Addr(p: Packet, off: number): string {
  p.need(off, 4);
  return named(p, ipv4String(p.buf, off));
}

export function ipv6Addr(p: Packet, off: number): string {
  p.need(off, 16);
  return named(p, ipv6String(p.buf, off));
}
