import { printBracketChecksum } from './checksum.js';
import { bootpPrint } from './bootp.js';
import { domainPrint } from './dns.js';
import { genevePrint } from './geneve.js';
import { ntpPrint } from './ntp.js';
import { TRUNCATED, type Packet } from './packet.js';
import { transportAddresses, transportAddressesNoPorts } from './transport-addr.js';
import { vxlanPrint } from './vxlan.js';

const DNS_PORT = 53;
const MDNS_PORT = 5353;
const VXLAN_PORT = 4789;
const BOOTPS_PORT = 67;
const NTP_PORT = 123;
const GENEVE_PORT = 6081;
const BOOTPC_PORT = 68;

/** UDP as tcpdump's udp_print: DNS, mDNS and VXLAN decoded, anything else `UDP, length N`. */
export function udpPrint(p: Packet, off: number, len: number, ipOff: number, v6: boolean, fragmented: boolean): void {
  p.proto = 'udp';
  if (!p.has(off, 4)) {
    transportAddressesNoPorts(p, ipOff, v6, 17, ': ');
    throw TRUNCATED;
  }
  const sport = p.u16(off);
  const dport = p.u16(off + 2);
  if (len < 8) {
    transportAddresses(p, ipOff, v6, 17, sport, dport);
    p.out.str(` truncated-udp ${len}`);
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
    p.out.str(` truncated-udplength ${ulen}`);
    return;
  }
  ulen -= 8;
  let length = len - 8;
  if (ulen < length) length = ulen;
  transportAddresses(p, ipOff, v6, 17, sport, dport);
  if (off + 8 > p.end) throw TRUNCATED;
  const payload = off + 8;
  // -v: UDP over IPv6 has its checksum checked, over IPv4 only with -vv (0 there: the sender computed none)
  const verbose = p.opts.verbose ?? 0;
  if (verbose && !p.opts.noChecksums && !fragmented) {
    if (!v6 && verbose > 1 && p.u16(off + 6) === 0) p.out.str('[no cksum] ');
    else if ((v6 || verbose > 1) && p.has(payload, length)) printBracketChecksum(p, off, length + 8, ipOff, v6, 17, off + 6, 'udp');
  }
  // -q: no payload decoders
  const q = p.opts.quiet === true;
  if (!q && (sport === DNS_PORT || dport === DNS_PORT)) domainPrint(p, payload, length, false);
  else if (!q && (sport === MDNS_PORT || dport === MDNS_PORT)) domainPrint(p, payload, length, false, true);
  else if (!q && (sport === BOOTPS_PORT || dport === BOOTPS_PORT || sport === BOOTPC_PORT || dport === BOOTPC_PORT)) bootpPrint(p, payload, length);
  else if (!q && (sport === NTP_PORT || dport === NTP_PORT)) ntpPrint(p, payload, length);
  else if (!q && (sport === VXLAN_PORT || dport === VXLAN_PORT)) vxlanPrint(p, payload, length);
  else if (!q && (sport === GENEVE_PORT || dport === GENEVE_PORT)) genevePrint(p, payload, length);
  else if (ulen > length && !fragmented) p.out.str(`UDP, bad length ${ulen} > ${length}`);
  else {
    p.out.str('UDP, length ');
    p.out.dec(ulen);
  }
}
