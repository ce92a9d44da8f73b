import { ipv4Addr, ipv6Addr } from './addr.js';
import type { Packet } from './packet.js';

/**
 * `src.port > dst.port: ` in front of TCP and UDP. As tcpdump does, the
 * addresses are left out when the transport header does not follow the IP
 * header directly (IPv6 extension headers): then only the ports.
 */
export function transportAddresses(p: Packet, ipOff: number, v6: boolean, proto: number, sport: number, dport: number): void {
  const direct = v6 ? p.buf[ipOff + 6] === proto : true;
  if (!direct) {
    p.out += `${sport} > ${dport}: `;
    return;
  }
  if (v6) p.out += `${ipv6Addr(p, ipOff + 8)}.${sport} > ${ipv6Addr(p, ipOff + 24)}.${dport}: `;
  else p.out += `${ipv4Addr(p, ipOff + 12)}.${sport} > ${ipv4Addr(p, ipOff + 16)}.${dport}: `;
}

export function transportAddressesNoPorts(p: Packet, ipOff: number, v6: boolean, proto: number): void {
  const direct = v6 ? p.buf[ipOff + 6] === proto : true;
  if (!direct) return;
  if (v6) p.out += `${ipv6Addr(p, ipOff + 8)} > ${ipv6Addr(p, ipOff + 24)}:`;
  else p.out += `${ipv4Addr(p, ipOff + 12)} > ${ipv4Addr(p, ipOff + 16)}:`;
}
