import { putAddressPair, putIpAddr } from './addr.js';
import type { Packet } from './packet.js';

/**
 * `src.port > dst.port: ` in front of TCP and UDP. As tcpdump does, the
 * addresses are left out when the transport header does not follow the IP
 * header directly (IPv6 extension headers): then only the ports.
 */
export function transportAddresses(p: Packet, ipOff: number, v6: boolean, proto: number, sport: number, dport: number): void {
  const out = p.out;
  if (isDirect(p, ipOff, v6, proto)) {
    const len = v6 ? 16 : 4;
    const src = ipOff + (v6 ? 8 : 12);
    p.need(src, 2 * len);
    putIpAddr(p, v6, src);
    out.ch(0x2e);
    out.dec(sport);
    out.str(' > ');
    putIpAddr(p, v6, src + len);
    out.ch(0x2e);
  } else {
    out.dec(sport);
    out.str(' > ');
  }
  out.dec(dport);
  out.str(': ');
}

/** `src > dst` then `colon` (TCP prints ':', UDP ': ') when the ports are cut off */
export function transportAddressesNoPorts(p: Packet, ipOff: number, v6: boolean, proto: number, colon: string): void {
  if (!isDirect(p, ipOff, v6, proto)) return;
  putAddressPair(p, v6, ipOff + (v6 ? 8 : 12), ipOff + (v6 ? 24 : 16));
  p.out.str(colon);
}

/** false when IPv6 extension headers stand between the IP and the transport header */
export function isDirect(p: Packet, ipOff: number, v6: boolean, proto: number): boolean {
  return v6 ? p.buf[ipOff + 6] === proto : true;
}
