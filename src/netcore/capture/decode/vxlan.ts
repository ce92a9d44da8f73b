import { ethernetPrint } from './ethernet.js';
import type { Packet } from './packet.js';

/** VXLAN as tcpdump prints it: the header, a line break, then the inner Ethernet frame. */
export function vxlanPrint(p: Packet, off: number, len: number): void {
  p.proto = 'vxlan';
  if (len < 8) {
    p.out += ' (invalid)';
    return;
  }
  const flags = p.u8(off);
  const vni = p.u24(off + 4);
  p.out += `VXLAN, flags [${flags & 0x08 ? 'I' : '.'}] (0x${flags.toString(16).padStart(2, '0')}), vni ${vni}\n`;
  ethernetPrint(p, off + 8, len - 8);
}
