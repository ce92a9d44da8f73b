import { ipv4Addr } from './addr.js';
import { macString, TRUNCATED, type Packet } from './packet.js';

/** ARP for IPv4 over Ethernet, requests and replies as tcpdump -n prints them; other kinds get their length. */
export function arpPrint(p: Packet, off: number, len: number): void {
  p.proto = 'arp';
  if (!p.opts.linkHeader) p.out += 'ARP, ';
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
    p.out += ' [|ARP]';
    p.hexDump(off, len);
    return;
  }
  if (hrd !== 1 || pro !== 0x0800 || hln !== 6 || pln !== 4 || (op !== 1 && op !== 2)) {
    p.out += `hardware ${hrd}, protocol 0x${pro.toString(16).padStart(4, '0')}, operation ${op}, length ${len}`;
    return;
  }
  if (op === 1) {
    p.out += `Request who-has ${ipv4Addr(p, tpa)}`;
    if (!isZero(p, tha, hln)) p.out += ` (${macString(p.buf, tha)})`;
    p.out += ` tell ${ipv4Addr(p, spa)}`;
  } else {
    p.out += `Reply ${ipv4Addr(p, spa)} is-at ${macString(p.buf, sha)}`;
  }
  p.out += `, length ${len}`;
}

function isZero(p: Packet, off: number, n: number): boolean {
  if (!p.has(off, n)) throw TRUNCATED;
  for (let i = 0; i < n; i++) if (p.buf[off + i] !== 0) return false;
  return true;
}
