import { domainPrint } from './dns.js';
import { TRUNCATED, type Packet } from './packet.js';
import { transportAddresses } from './transport-addr.js';
import { vxlanPrint } from './vxlan.js';

const DNS_PORT = 53;
const MDNS_PORT = 5353;
const VXLAN_PORT = 4789;

/** UDP as tcpdump's udp_print without -v: DNS, mDNS and VXLAN decoded, anything else `UDP, length N`. */
export function udpPrint(p: Packet, off: number, len: number, ipOff: number, v6: boolean, fragmented: boolean): void {
  p.proto = 'udp';
  if (!p.has(off, 4)) {
    addressesOnly(p, ipOff, v6);
    throw TRUNCATED;
  }
  const sport = p.u16(off);
  const dport = p.u16(off + 2);
  if (len < 8) {
    transportAddresses(p, ipOff, v6, 17, sport, dport);
    p.out += ` truncated-udp ${len}`;
    return;
  }
  if (!p.has(off + 4, 2)) {
    transportAddresses(p, ipOff, v6, 17, sport, dport);
    throw TRUNCATED;
  }
  let ulen = p.u16(off + 4);
  if (ulen === 0 && len > 65535) ulen = len;
  if (ulen < 8) {
    transportAddresses(p, ipOff, v6, 17, sport, dport);
    p.out += ` truncated-udplength ${ulen}`;
    return;
  }
  ulen -= 8;
  let length = len - 8;
  if (ulen < length) length = ulen;
  transportAddresses(p, ipOff, v6, 17, sport, dport);
  if (off + 8 > p.end) throw TRUNCATED;
  const payload = off + 8;
  if (sport === DNS_PORT || dport === DNS_PORT) domainPrint(p, payload, length, false);
  else if (sport === MDNS_PORT || dport === MDNS_PORT) domainPrint(p, payload, length, false, true);
  else if (sport === VXLAN_PORT || dport === VXLAN_PORT) vxlanPrint(p, payload, length);
  else if (ulen > length && !fragmented) p.out += `UDP, bad length ${ulen} > ${length}`;
  else p.out += `UDP, length ${ulen}`;
}

function addressesOnly(p: Packet, ipOff: number, v6: boolean): void {
  const direct = v6 ? p.buf[ipOff + 6] === 17 : true;
  if (!direct) return;
  p.out += v6
    ? `${ipv6Text(p, ipOff + 8)} > ${ipv6Text(p, ipOff + 24)}: `
    : `${ipv4Text(p, ipOff + 12)} > ${ipv4Text(p, ipOff + 16)}: `;
}

import { ipv4Addr as ipv4Text, ipv6Addr as ipv6Text } from './addr.js';
