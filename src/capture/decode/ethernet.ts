import { arpPrint } from './arp.js';
import { ethertypeLabel, isVlanTag } from './ethertype.js';
import { ipv4Print } from './ipv4.js';
import { ipv6Print } from './ipv6.js';
import { macString } from './addr.js';
import { TRUNCATED, type Packet } from './packet.js';
import { vlanTagText } from './vlan.js';

/**
 * An Ethernet frame as tcpdump's ether_print: with -e the addresses, each
 * 802.1Q tag and the final type; then the payload. `wireLen` is the frame's
 * length on the wire, `off` where it starts in the captured bytes.
 */
export function ethernetPrint(p: Packet, off: number, wireLen: number): void {
  if (!p.has(off, 14)) {
    p.proto = 'ether';
    throw TRUNCATED;
  }
  const e = p.opts.linkHeader;
  if (e) {
    p.out.mac(p.buf, off + 6);
    p.out.str(' > ');
    p.out.mac(p.buf, off);
    p.out.str(', ');
  }
  let type = p.u16(off + 12);
  let cur = off + 14;
  let len = wireLen - 14;
  if (type <= 1500) {
    // 802.3 length field with LLC: not decoded here
    p.out.str(e ? `802.3, length ${wireLen}: ` : `${macString(p.buf, off + 6)} > ${macString(p.buf, off)}, 802.3, length ${wireLen}: `);
    p.out.str(`LLC, length ${len}`);
    return;
  }
  let printedLength = false;
  while (isVlanTag(type)) {
    if (!p.has(cur, 4) || len < 4) {
      p.proto = 'vlan';
      throw TRUNCATED;
    }
    if (e) {
      p.out.str(ethertypeLabel(type, p.opts.quiet) + (printedLength ? ', ' : `, length ${wireLen}: `));
      printedLength = true;
      p.out.str(`${vlanTagText(p.u16(cur))}, `);
    }
    type = p.u16(cur + 2);
    cur += 4;
    len -= 4;
  }
  if (e) p.out.str(ethertypeLabel(type, p.opts.quiet) + (printedLength ? ', ' : `, length ${wireLen}: `));
  if (!etherPayloadPrint(p, type, cur, len)) {
    if (!e) p.out.str(`${macString(p.buf, off + 6)} > ${macString(p.buf, off)}, ${ethertypeLabel(type, p.opts.quiet)}, length ${wireLen}: `);
    p.defaultPrint(cur, len);
  }
}

/** false when the type is not one tsdiag decodes (the caller prints the raw bytes) */
export function etherPayloadPrint(p: Packet, type: number, off: number, len: number): boolean {
  switch (type) {
    case 0x0800:
      ipv4Print(p, off, len);
      return true;
    case 0x86dd:
      ipv6Print(p, off, len);
      return true;
    case 0x0806:
      arpPrint(p, off, len);
      return true;
    default:
      return false;
  }
}
