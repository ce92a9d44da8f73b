import { putIpv4Addr } from './addr.js';
import { TRUNCATED, type Packet } from './packet.js';

/** ARP for IPv4 over Ethernet, requests and replies as tcpdump -n prints them; other kinds get their length. */
export function arpPrint(p: Packet, off: number, len: number): void {
  p.proto = 'arp';
  if (!p.opts.linkHeader) p.out.str('ARP, ');
  const hrd = p.u16(off);
  const pro = p.u16(off + 2);
  const hln = p.u8(off + 4);
  const pln = p.u8(off + 5);
  const op = p.u16(off + 6);
  const sha = off + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  if (!p.has(tpa, pln)) {
    p.out.str(' [|ARP]');
    p.defaultPrint(off, len);
    return;
  }
  if (hrd !== 1 || pro !== 0x0800 || hln !== 6 || pln !== 4 || (op !== 1 && op !== 2)) {
    p.out.str(`hardware ${hrd}, protocol 0x${pro.toString(16).padStart(4, '0')}, operation ${op}, length ${len}`);
    return;
  }
  // every address lies before tpa + pln, checked above
  const out = p.out;
  if (p.opts.verbose) out.str('Ethernet (len 6), IPv4 (len 4), ');
  if (op === 1) {
    out.str('Request who-has ');
    putIpv4Addr(p, tpa);
    if (!isZero(p, tha, hln)) {
      out.str(' (');
      out.mac(p.buf, tha);
      out.ch(0x29);
    }
    out.str(' tell ');
    putIpv4Addr(p, spa);
  } else {
    out.str('Reply ');
    putIpv4Addr(p, spa);
    out.str(' is-at ');
    out.mac(p.buf, sha);
  }
  out.str(', length ');
  out.dec(len);
}

function isZero(p: Packet, off: number, n: number): boolean {
  if (!p.has(off, n)) throw TRUNCATED;
  for (let i = 0; i < n; i++) if (p.buf[off + i] !== 0) return false;
  return true;
}
