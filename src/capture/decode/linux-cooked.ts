import { etherPayloadPrint } from './ethernet.js';
import { ethertypeName, ethertypeText } from './ethertype.js';
import { TRUNCATED, type Packet } from './packet.js';
import { vlanTagText } from './vlan.js';

/**
 * Linux cooked captures (`-i any`) as tcpdump 4.99's sll_if_print and
 * sll2_if_print. LINUX_SLL2 lines start with the interface name and the
 * direction (`lo    In  `, `eth0  Out `); LINUX_SLL (v1) has no interface
 * and shows the direction only with -e.
 */
const SLL_LEN = 16;
const SLL2_LEN = 20;
const MAX_LENGTH_VALUE = 1500;
const VLAN = 0x8100;
const LLC_802_2 = 0x0004;
const PACKET_TYPES = ['In', 'B', 'M', 'P', 'Out'];

const packetType = (t: number) => PACKET_TYPES[t] ?? '?';

/** LINKTYPE_LINUX_SLL: pkttype, hatype, halen, 8 address bytes, protocol */
export function sllPrint(p: Packet, off: number, wireLen: number): void {
  p.proto = 'sll';
  if (!p.has(off, SLL_LEN)) throw TRUNCATED;
  const header = (length: number) => {
    p.out.str(packetType(p.u16(off)).padStart(3));
    p.out.ch(0x20);
    cookedAddressAndType(p, p.u16(off + 4), off + 6, p.u16(off + 14), length);
  };
  if (p.opts.linkHeader) header(wireLen);
  cookedPayload(p, off + SLL_LEN, wireLen - SLL_LEN, p.u16(off + 14), SLL_LEN, header);
}

/** LINKTYPE_LINUX_SLL2: protocol, reserved, interface index, hatype, pkttype, halen, 8 address bytes */
export function sll2Print(p: Packet, off: number, wireLen: number): void {
  p.proto = 'sll2';
  if (!p.has(off, SLL2_LEN)) throw TRUNCATED;
  const ifIndex = p.u32(off + 4);
  p.out.str((p.opts.interfaceName?.(ifIndex) ?? '?').padEnd(5));
  p.out.ch(0x20);
  p.out.str(packetType(p.u8(off + 10)).padEnd(3));
  p.out.ch(0x20);
  const header = (length: number) => {
    p.out.str('ifindex ');
    p.out.dec(ifIndex);
    p.out.ch(0x20);
    cookedAddressAndType(p, p.u8(off + 11), off + 12, p.u16(off), length);
  };
  if (p.opts.linkHeader) header(wireLen);
  cookedPayload(p, off + SLL2_LEN, wireLen - SLL2_LEN, p.u16(off), SLL2_LEN, header);
}

/** the -e part both versions share: the address when it is a MAC, the protocol, the length */
function cookedAddressAndType(p: Packet, halen: number, addr: number, type: number, length: number): void {
  if (halen === 6) {
    p.out.mac(p.buf, addr);
    p.out.ch(0x20);
  }
  if (p.opts.quiet) return;
  if (type > MAX_LENGTH_VALUE) p.out.str(ethertypeText(type));
  else if (type === 0x0001) p.out.str('802.3');
  else if (type === LLC_802_2) p.out.str('802.2');
  else p.out.str(`ethertype Unknown (0x${type.toString(16).padStart(4, '0')})`);
  p.out.str(', length ');
  p.out.dec(length);
  p.out.str(': ');
}

/** what follows the cooked header: 802.1Q tags, then the protocol; unknown ones as a hex dump */
function cookedPayload(p: Packet, cur: number, len: number, type: number, headerLen: number, header: (length: number) => void): void {
  for (;;) {
    if (type <= MAX_LENGTH_VALUE) {
      // IPX and 802.2 LLC are not decoded: their bytes, as tcpdump prints unknown ones
      p.defaultPrint(cur, len);
      return;
    }
    if (type !== VLAN) break;
    if (p.end - cur < 4) {
      p.proto = 'vlan';
      throw TRUNCATED;
    }
    if (p.opts.linkHeader) {
      p.out.str(vlanTagText(p.u16(cur)));
      p.out.str(', ');
    }
    type = p.u16(cur + 2);
    if (type <= MAX_LENGTH_VALUE) type = LLC_802_2;
    if (!p.opts.quiet) p.out.str(`ethertype ${ethertypeName(type)}, `);
    cur += 4;
    len -= 4;
  }
  if (etherPayloadPrint(p, type, cur, len)) return;
  if (!p.opts.linkHeader) header(len + headerLen);
  p.defaultPrint(cur, len);
}
