import { ipv6Addr } from './addr.js';
import { ipDemux } from './ip-demux.js';
import { TRUNCATED, type Packet } from './packet.js';

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;

/**
 * An IPv6 packet as tcpdump's ip6_print without -v: the extension headers it
 * names (HBH, DSTOPT, frag) in front of the upper layer. A routing header is
 * not decoded: its protocol number and the remaining length are printed.
 */
export function ipv6Print(p: Packet, off: number, len: number): void {
  p.proto = 'ip6';
  if (!p.opts.linkHeader) p.out += 'IP6 ';
  if (!p.has(off, 40)) throw TRUNCATED;
  if (len < 40) {
    p.out += `truncated-ip6 ${len}`;
    return;
  }
  const version = p.u8(off) >> 4;
  if (version !== 6) {
    p.out += `version error: ${version} != 6`;
    return;
  }
  const payloadLen = p.u16(off + 4);
  let total = len;
  const savedEnd = p.end;
  if (payloadLen !== 0) {
    const claimed = payloadLen + 40;
    if (len < claimed) p.out += `truncated-ip6 - ${claimed - len} bytes missing!`;
    else {
      total = claimed;
      p.end = Math.min(p.end, off + claimed);
    }
  }
  let nh = p.u8(off + 6);
  let cur = off + 40;
  let left = total - 40;
  let fragmented = false;
  if (nh !== 6 && nh !== 17 && nh !== 33 && nh !== 132) p.out += `${ipv6Addr(p, off + 8)} > ${ipv6Addr(p, off + 24)}: `;
  for (;;) {
    if (cur >= p.end) break;
    if (nh === HOP_BY_HOP || nh === DEST_OPTS) {
      p.proto = nh === HOP_BY_HOP ? 'hbhopt' : 'dstopt';
      const extLen = (p.u8(cur + 1) + 1) << 3;
      p.need(cur, extLen);
      p.out += nh === HOP_BY_HOP ? 'HBH ' : 'DSTOPT ';
      nh = p.u8(cur);
      cur += extLen;
      left -= extLen;
    } else if (nh === FRAGMENT) {
      p.proto = 'frag6';
      const offFlags = p.u16(cur + 2);
      const fragLen = 40 + payloadLen - (cur - off) - 8;
      p.out += `frag (${offFlags & 0xfff8}|${fragLen})`;
      if ((offFlags & 0xfff8) !== 0 || cur + 8 >= p.end) break;
      p.out += ' ';
      nh = p.u8(cur);
      cur += 8;
      left -= 8;
      fragmented = true;
    } else if (nh === ROUTING) {
      p.out += ` ip-proto-${nh} ${left}`;
      break;
    } else {
      if (left < 0) throw TRUNCATED;
      ipDemux(p, cur, left, off, true, nh, fragmented);
      break;
    }
    p.proto = 'ip6';
  }
  p.end = savedEnd;
}
