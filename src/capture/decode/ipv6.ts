import { putAddressPair } from './addr.js';
import { ipDemux } from './ip-demux.js';
import { ipProtocolName } from './ip-protocols.js';
import { ipv6OptionsPrint } from './ipv6-options.js';
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
  if (!p.opts.linkHeader) p.out.str('IP6 ');
  if (!p.has(off, 40)) throw TRUNCATED;
  if (len < 40) {
    p.out.str(`truncated-ip6 ${len}`);
    return;
  }
  const version = p.u8(off) >> 4;
  if (version !== 6) {
    p.out.str(`version error: ${version} != 6`);
    return;
  }
  const payloadLen = p.u16(off + 4);
  let total = len;
  const savedEnd = p.end;
  if (payloadLen !== 0) {
    const claimed = payloadLen + 40;
    if (len < claimed) p.out.str(`truncated-ip6 - ${claimed - len} bytes missing!`);
    else {
      total = claimed;
      p.end = Math.min(p.end, off + claimed);
    }
  }
  let nh = p.u8(off + 6);
  if (p.opts.verbose) verboseHeader(p, off, nh, payloadLen);
  let cur = off + 40;
  let left = total - 40;
  let fragmented = false;
  if (nh !== 6 && nh !== 17 && nh !== 33 && nh !== 132) {
    putAddressPair(p, true, off + 8, off + 24);
    p.out.str(': ');
  }
  for (;;) {
    if (cur >= p.end) break;
    if (nh === HOP_BY_HOP || nh === DEST_OPTS) {
      p.proto = nh === HOP_BY_HOP ? 'hbhopt' : 'dstopt';
      const extLen = (p.u8(cur + 1) + 1) << 3;
      p.need(cur, extLen);
      p.out.str(nh === HOP_BY_HOP ? 'HBH ' : 'DSTOPT ');
      if (p.opts.verbose && !ipv6OptionsPrint(p, cur + 2, extLen - 2)) throw TRUNCATED;
      nh = p.u8(cur);
      cur += extLen;
      left -= extLen;
    } else if (nh === FRAGMENT) {
      p.proto = 'frag6';
      const offFlags = p.u16(cur + 2);
      const fragLen = 40 + payloadLen - (cur - off) - 8;
      p.out.str('frag (');
      if (p.opts.verbose) {
        p.out.str('0x');
        p.out.hex(p.u32(cur + 4), 8);
        p.out.ch(0x3a);
      }
      p.out.dec(offFlags & 0xfff8);
      p.out.ch(0x7c);
      p.out.dec(fragLen);
      p.out.ch(0x29);
      if ((offFlags & 0xfff8) !== 0 || cur + 8 >= p.end) break;
      p.out.str(' ');
      nh = p.u8(cur);
      cur += 8;
      left -= 8;
      fragmented = true;
    } else if (nh === ROUTING) {
      p.out.str(` ip-proto-${nh} ${left}`);
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

/** `(flowlabel 0x1d5c7, hlim 64, next-header TCP (6) payload length: 40) ` as ip6_print with -v */
function verboseHeader(p: Packet, off: number, nh: number, payloadLen: number): void {
  const out = p.out;
  const flow = p.u32(off);
  out.ch(0x28);
  if (flow & 0x0ff00000) {
    out.str('class 0x');
    out.hex((flow & 0x0ff00000) >>> 20, 2);
    out.str(', ');
  }
  if (flow & 0x000fffff) {
    out.str('flowlabel 0x');
    out.hex(flow & 0x000fffff, 5);
    out.str(', ');
  }
  out.str('hlim ');
  out.dec(p.u8(off + 7));
  out.str(', next-header ');
  out.str(ipProtocolName(nh));
  out.str(' (');
  out.dec(nh);
  out.str(') payload length: ');
  out.dec(payloadLen);
  out.str(') ');
}
