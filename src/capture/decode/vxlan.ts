import { ethernetPrint } from './ethernet.js';
import type { Packet } from './packet.js';

/** VXLAN as tcpdump prints it: the header, a line break, then the inner Ethernet frame. */
export function vxlanPrint(p: Packet, off: number, len: number): void {
  p.proto = 'vxlan';
  if (len < 8) {
    p.out.str(' (invalid)');
    return;
  }
  const flags = p.u8(off);
  const vni = p.u24(off + 4);
  p.out.str(flags & 0x08 ? 'VXLAN, flags [I] (0x' : 'VXLAN, flags [.] (0x');
  p.out.hex(flags, 2);
  p.out.str('), vni ');
  p.out.dec(vni);
  p.out.ch(0x0a);
  ethernetPrint(p, off + 8, len - 8);
}
