import { ethernetPrint, etherPayloadPrint } from './ethernet.js';
import { ETHERTYPE_NAMES } from './ethertype.js';
import type { Packet } from './packet.js';

/** Geneve (udp 6081) as tcpdump 4.99's geneve_print: header, options (listed with -v, their data with -vv), the inner packet. */

const TEB = 0x6558;
const FLAG_NAMES: [number, string][] = [[0x80, 'O'], [0x40, 'C'], [0x20, 'R1'], [0x10, 'R2'], [0x08, 'R3'], [0x04, 'R4'], [0x02, 'R5'], [0x01, 'R6']];
const CLASSES: Record<number, string> = { 0x0100: 'Linux', 0x0101: 'Open vSwitch', 0x0102: 'Open Virtual Networking (OVN)', 0x0103: 'In-band Network Telemetry (INT)', 0x0104: 'VMware' };

const optionClass = (c: number) => CLASSES[c] ?? (c <= 0xff ? 'Standard' : c >= 0xfff0 ? 'Experimental' : 'Unknown');

export function genevePrint(p: Packet, off: number, len: number): void {
  p.proto = 'geneve';
  const out = p.out;
  out.str('Geneve');
  if (len < 8) {
    out.str(` [length ${len} < 8] (invalid)`);
    return;
  }
  p.need(off, 8);
  const verOpt = p.buf[off]!;
  if (verOpt >> 6 !== 0) {
    out.str(` ERROR: unknown-version ${verOpt >> 6}`);
    return;
  }
  const flags = p.buf[off + 1]!;
  const proto = p.u16(off + 2);
  const reserved = p.buf[off + 7]!;
  out.str(`, Flags [${FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n).join('') || 'none'}], vni 0x${p.u24(off + 4).toString(16)}`);
  if (reserved) out.str(`, rsvd 0x${reserved.toString(16)}`);
  if (p.opts.linkHeader) out.str(`, proto ${ETHERTYPE_NAMES.get(proto) ?? 'unknown'} (0x${proto.toString(16).padStart(4, '0')})`);
  const optsLen = (verOpt & 0x3f) * 4;
  len -= 8;
  if (len < optsLen) {
    out.str(` truncated-geneve - ${optsLen - len} bytes missing`);
    return;
  }
  p.need(off + 8, optsLen);
  if (optsLen > 0) {
    out.str(', options [');
    if (p.opts.verbose) optionsPrint(p, off + 8, optsLen);
    else out.str(`${optsLen} bytes`);
    out.ch(0x5d);
  }
  const inner = off + 8 + optsLen;
  len -= optsLen;
  out.str(p.opts.verbose ? '\n\t' : ': ');
  if (etherPayloadPrint(p, proto, inner, len)) return;
  if (proto === TEB) ethernetPrint(p, inner, len);
  else out.str(`geneve-proto-0x${proto.toString(16)}`);
}

function optionsPrint(p: Packet, cp: number, len: number): void {
  const out = p.out;
  for (let sep = ''; len > 0; sep = ', ') {
    out.str(sep);
    const cls = p.u16(cp);
    const type = p.u8(cp + 2);
    const optLen = 4 + (p.u8(cp + 3) & 0x1f) * 4;
    out.str(`class ${optionClass(cls)} (0x${cls.toString(16)}) type 0x${type.toString(16)}${type & 0x80 ? '(C)' : ''} len ${optLen}`);
    if (optLen > len) {
      out.str(' [bad length]');
      return;
    }
    if ((p.opts.verbose ?? 0) > 1 && optLen > 4) {
      out.str(' data');
      for (let i = 4; i < optLen; i += 4) {
        out.ch(0x20);
        out.hex(p.u32(cp + i), 8);
      }
    }
    cp += optLen;
    len -= optLen;
  }
}
