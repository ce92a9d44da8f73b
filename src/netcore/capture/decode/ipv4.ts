import { ipv4Addr } from './addr.js';
import { ipDemux } from './ip-demux.js';
import { TRUNCATED, type Packet } from './packet.js';

/** An IPv4 packet as tcpdump's ip_print without -v. `len` is what the link layer says is left. */
export function ipv4Print(p: Packet, off: number, len: number): void {
  p.proto = 'ip';
  if (!p.opts.linkHeader) p.out += 'IP ';
  const vhl = p.u8(off);
  if (vhl >> 4 !== 4) {
    p.out += `IP${vhl >> 4} `;
    return;
  }
  const hlen = (vhl & 0x0f) * 4;
  if (hlen < 20) {
    p.out += `bad-hlen ${hlen}`;
    return;
  }
  let totalLen = p.u16(off + 2);
  if (totalLen < hlen) {
    p.out += `bad-len ${totalLen}`;
    return;
  }
  if (len < totalLen) p.out += `truncated-ip - ${totalLen - len} bytes missing! `;
  // bytes after the IP payload (Ethernet padding) belong to nobody
  const savedEnd = p.end;
  if (totalLen < len) p.end = Math.min(p.end, off + totalLen);
  else totalLen = len;
  const fragOff = p.u16(off + 6);
  const proto = p.u8(off + 9);
  if ((fragOff & 0x1fff) === 0) {
    if (proto !== 6 && proto !== 17 && proto !== 132 && proto !== 33) p.out += `${ipv4Addr(p, off + 12)} > ${ipv4Addr(p, off + 16)}: `;
    if (!p.has(off, hlen)) {
      p.out += ` [remaining caplen(${Math.max(0, p.end - off)}) < header length(${hlen})]`;
      throw TRUNCATED;
    }
    ipDemux(p, off + hlen, totalLen - hlen, off, false, proto, (fragOff & 0x2000) !== 0);
  } else {
    p.out += `${ipv4Addr(p, off + 12)} > ${ipv4Addr(p, off + 16)}: ip-proto-${proto}`;
  }
  p.end = savedEnd;
}
