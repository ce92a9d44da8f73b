import { LineText } from './line-text.js';
import type { Packet } from './packet.js';

/** IPv4, IPv6 and MAC addresses as tcpdump -n prints them, with --names added. */
const scratch = new LineText(64);

export function ipv4String(buf: Buffer, off: number): string {
  scratch.pos = 0;
  scratch.ipv4(buf, off);
  return scratch.toString();
}

/** RFC 5952 text, as inet_ntop */
export function ipv6String(buf: Buffer, off: number): string {
  scratch.pos = 0;
  scratch.ipv6(buf, off);
  return scratch.toString();
}

export function macString(buf: Buffer, off: number): string {
  scratch.pos = 0;
  scratch.mac(buf, off);
  return scratch.toString();
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

/** ipv4Addr written straight into the line */
export function putIpv4Addr(p: Packet, off: number): void {
  p.need(off, 4);
  if (p.opts.names === null) p.out.ipv4(p.buf, off);
  else p.out.str(ipv4Addr(p, off));
}

/** ipv6Addr written straight into the line */
export function putIpv6Addr(p: Packet, off: number): void {
  p.need(off, 16);
  if (p.opts.names === null) p.out.ipv6(p.buf, off);
  else p.out.str(ipv6Addr(p, off));
}

/** an IPv4 (4 bytes) or IPv6 (16 bytes) address written into the line */
export function putIpAddr(p: Packet, v6: boolean, off: number): void {
  if (v6) putIpv6Addr(p, off);
  else putIpv4Addr(p, off);
}

/**
 * `src > dst` of an IP header, written into the line. Both addresses are
 * checked first: a truncated header prints nothing of them.
 */
export function putAddressPair(p: Packet, v6: boolean, src: number, dst: number): void {
  p.need(src, v6 ? 16 : 4);
  p.need(dst, v6 ? 16 : 4);
  putIpAddr(p, v6, src);
  p.out.str(' > ');
  putIpAddr(p, v6, dst);
}
