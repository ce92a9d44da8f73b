import { putAddressPair } from './addr.js';
import { checksumShouldBe, complementedSum, wordSum } from './checksum.js';
import { ipDemux } from './ip-demux.js';
import { ipProtocolName } from './ip-protocols.js';
import { TRUNCATED, type Packet } from './packet.js';

/** An IPv4 packet as tcpdump's ip_print without -v. `len` is what the link layer says is left. */
export function ipv4Print(p: Packet, off: number, len: number): void {
  p.proto = 'ip';
  if (!p.opts.linkHeader) p.out.str('IP ');
  const vhl = p.u8(off);
  if (vhl >> 4 !== 4) {
    p.out.str(`IP${vhl >> 4} `);
    return;
  }
  const hlen = (vhl & 0x0f) * 4;
  if (hlen < 20) {
    p.out.str(`bad-hlen ${hlen}`);
    return;
  }
  let totalLen = p.u16(off + 2);
  if (totalLen < hlen) {
    p.out.str(`bad-len ${totalLen}`);
    return;
  }
  if (len < totalLen) p.out.str(`truncated-ip - ${totalLen - len} bytes missing! `);
  // bytes after the IP payload (Ethernet padding) belong to nobody
  const savedEnd = p.end;
  if (totalLen < len) p.end = Math.min(p.end, off + totalLen);
  else totalLen = len;
  const fragOff = p.u16(off + 6);
  const proto = p.u8(off + 9);
  if (p.opts.verbose) verboseHeader(p, off, hlen, fragOff, proto);
  if ((fragOff & 0x1fff) === 0) {
    if (proto !== 6 && proto !== 17 && proto !== 132 && proto !== 33) {
      putAddressPair(p, false, off + 12, off + 16);
      p.out.str(': ');
    }
    if (!p.has(off, hlen)) {
      p.out.str(` [remaining caplen(${Math.max(0, p.end - off)}) < header length(${hlen})]`);
      throw TRUNCATED;
    }
    ipDemux(p, off + hlen, totalLen - hlen, off, false, proto, (fragOff & 0x2000) !== 0);
  } else {
    putAddressPair(p, false, off + 12, off + 16);
    p.out.str(': ip-proto-');
    p.out.dec(proto);
  }
  p.end = savedEnd;
}

const ECN = ['', ',ECT(1)', ',ECT(0)', ',CE'];
/** bittok2str of MF (bit 0 here), DF (bit 1), reserved (bit 2), in tcpdump's order */
const FRAGMENT_FLAGS = ['none', '+', 'DF', '+, DF', 'rsvd', '+, rsvd', 'DF, rsvd', '+, DF, rsvd'];

/**
 * `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)`
 * and a new indented line, as ip_print with -v; a wrong header checksum is
 * named. IP options are not decoded (tsdiag leaves them out).
 */
function verboseHeader(p: Packet, off: number, hlen: number, fragOff: number, proto: number): void {
  const out = p.out;
  const tos = p.u8(off + 1);
  const ttl = p.u8(off + 8);
  out.str('(tos 0x');
  out.hex(tos);
  out.str(ECN[tos & 3]!);
  if (ttl >= 1) {
    out.str(', ttl ');
    out.dec(ttl);
  }
  out.str(', id ');
  out.dec(p.u16(off + 4));
  out.str(', offset ');
  out.dec((fragOff & 0x1fff) * 8);
  out.str(', flags [');
  out.str(FRAGMENT_FLAGS[((fragOff >> 13) & 1) | (((fragOff >> 14) & 1) << 1) | (((fragOff >> 15) & 1) << 2)]!);
  out.str('], proto ');
  out.str(ipProtocolName(proto));
  out.str(' (');
  out.dec(proto);
  out.str('), length ');
  out.dec(p.u16(off + 2));
  const optionsWhole = hlen === 20 || optionsPrint(p, off + 20, hlen - 20);
  if (!p.opts.noChecksums && p.has(off, hlen)) {
    const sum = complementedSum(wordSum(p.buf, off, hlen));
    if (sum !== 0) {
      const field = p.u16(off + 10);
      out.str(', bad cksum ');
      out.hex(field);
      out.str(' (->');
      out.hex(checksumShouldBe(field, sum));
      out.str(')!');
    }
  }
  out.str(')\n    ');
  if (!optionsWhole) {
    putAddressPair(p, false, off + 12, off + 16);
    out.str(': ');
    throw TRUNCATED;
  }
}

/** tcpdump's ip_option_values */
const OPTION_NAMES: Record<number, string> = { 0: 'EOL', 1: 'NOP', 7: 'RR', 68: 'timestamp', 82: 'traceroute', 130: 'security', 131: 'LSRR', 137: 'SSRR', 148: 'RA' };

/**
 * `, options (RA)` as ip_optprint: names, and the value of a router alert.
 * The addresses of RR/LSRR/SSRR and timestamp options are not decoded.
 * False when the options are cut short (the caller ends the line).
 */
function optionsPrint(p: Packet, off: number, len: number): boolean {
  const out = p.out;
  out.str(', options (');
  for (let sep = ''; len > 0; sep = ',') {
    out.str(sep);
    if (!p.has(off, 1)) return truncatedOption(p);
    const code = p.buf[off]!;
    out.str(OPTION_NAMES[code] ?? `unknown ${code}`);
    let optionLen = 1;
    if (code > 1) {
      if (!p.has(off + 1, 1)) return truncatedOption(p);
      optionLen = p.buf[off + 1]!;
      if (optionLen < 2) {
        out.str(` [bad length ${optionLen}])`);
        return true;
      }
    }
    if (optionLen > len) {
      out.str(` [bad length ${optionLen}])`);
      return true;
    }
    if (!p.has(off, optionLen)) return truncatedOption(p);
    if (code === 0) break;
    if (code === 148) {
      if (optionLen < 4) out.str(` [bad length ${optionLen}]`);
      else if (p.u16(off + 2) !== 0) out.str(` value ${p.u16(off + 2)}`);
    }
    off += optionLen;
    len -= optionLen;
  }
  out.ch(0x29);
  return true;
}

function truncatedOption(p: Packet): false {
  p.out.str(' [truncated-option])');
  return false;
}
