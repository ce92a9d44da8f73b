import type { Packet } from './packet.js';

/**
 * The Internet checksum as tcpdump checks it with -v (in_cksum,
 * in_cksum_shouldbe): sums of 16-bit big-endian words, folded.
 */

/** the words of `buf[off..off+len)` added to `sum` (an odd last byte is the high half of a word) */
export function wordSum(buf: Buffer, off: number, len: number, sum = 0): number {
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (buf[off + i]! << 8) | buf[off + i + 1]!;
  if (i < len) sum += buf[off + i]! << 8;
  return sum;
}

/** in_cksum: the complemented, folded sum; 0 when the data carries a correct checksum */
export function complementedSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** in_cksum_shouldbe: the checksum field value that would have been correct */
export function checksumShouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** the sum of the IPv4 or IPv6 pseudo-header of a transport segment of `len` bytes */
export function pseudoHeaderSum(p: Packet, ipOff: number, v6: boolean, proto: number, len: number): number {
  const sum = v6 ? wordSum(p.buf, ipOff + 8, 32) : wordSum(p.buf, ipOff + 12, 8);
  return sum + proto + (len & 0xffff) + Math.floor(len / 0x10000);
}

/** in_cksum of a TCP or UDP segment of `len` bytes at `off` with its pseudo-header (0: correct) */
export function transportChecksum(p: Packet, off: number, len: number, ipOff: number, v6: boolean, proto: number): number {
  return complementedSum(wordSum(p.buf, off, len, pseudoHeaderSum(p, ipOff, v6, proto, len)));
}

/** `, cksum 0x%04x (correct)` or `(incorrect -> 0x%04x)` as tcp_print writes them */
export function printTransportChecksum(p: Packet, off: number, len: number, ipOff: number, v6: boolean, proto: number, fieldOff: number): void {
  const field = p.u16(fieldOff);
  const sum = transportChecksum(p, off, len, ipOff, v6, proto);
  p.out.str(', cksum 0x');
  p.out.hex(field, 4);
  if (sum === 0) p.out.str(' (correct)');
  else {
    p.out.str(' (incorrect -> 0x');
    p.out.hex(checksumShouldBe(field, sum), 4);
    p.out.ch(0x29);
  }
}

/** `[udp sum ok] ` or `[bad udp cksum 0x.. -> 0x..!] ` (name: udp, icmp6), as udp_print and icmp6_print write them */
export function printBracketChecksum(p: Packet, off: number, len: number, ipOff: number, v6: boolean, proto: number, fieldOff: number, name: string): void {
  const sum = transportChecksum(p, off, len, ipOff, v6, proto);
  if (sum === 0) {
    p.out.str(`[${name} sum ok] `);
    return;
  }
  const field = p.u16(fieldOff);
  p.out.str(`[bad ${name} cksum 0x`);
  p.out.hex(field, 4);
  p.out.str(' -> 0x');
  p.out.hex(checksumShouldBe(field, sum), 4);
  p.out.str('!] ');
}
