import { grePrint } from './gre.js';
import { icmpPrint } from './icmp.js';
import { icmp6Print } from './icmp6.js';
import { igmpPrint } from './igmp.js';
import { ipv4Print } from './ipv4.js';
import { ipv6Print } from './ipv6.js';
import type { Packet } from './packet.js';
import { sctpPrint } from './sctp.js';
import { tcpPrint } from './tcp.js';
import { udpPrint } from './udp.js';

/** The upper layer of an IP packet (tcpdump's ip_demux_print); unknown protocols get their number and length. */
export function ipDemux(p: Packet, off: number, len: number, ipOff: number, v6: boolean, proto: number, fragmented: boolean): void {
  switch (proto) {
    case 6:
      tcpPrint(p, off, len, ipOff, v6, fragmented);
      return;
    case 17:
      udpPrint(p, off, len, ipOff, v6, fragmented);
      return;
    case 1:
      if (!v6) {
        icmpPrint(p, off, len, fragmented);
        return;
      }
      break;
    case 2:
      if (!v6 && igmpPrint(p, off, len)) return;
      break;
    case 58:
      icmp6Print(p, off, len, ipOff, fragmented);
      return;
    case 59:
      p.out.str('no next header');
      return;
    case 4:
      // IPIP: the inner packet follows on the same line
      ipv4Print(p, off, len);
      return;
    case 41:
      ipv6Print(p, off, len);
      return;
    case 47:
      grePrint(p, off, len);
      return;
    case 132:
      sctpPrint(p, off, len, ipOff, v6);
      return;
  }
  p.out.str(` ip-proto-${proto} ${len}`);
}
