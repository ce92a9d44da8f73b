import { printTransportChecksum } from './checksum.js';
import { domainPrint } from './dns.js';
import { httpPrint } from './http.js';
import { mptcpPrint } from './mptcp.js';
import { TRUNCATED, TRUNCATED_DONE, type Packet } from './packet.js';
import { transportAddresses, transportAddressesNoPorts } from './transport-addr.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const ECE = 0x40;
const CWR = 0x80;

const OPTION_NAMES: Record<number, string> = {
  0: 'eol', 1: 'nop', 2: 'mss', 3: 'wscale', 4: 'sackOK', 5: 'sack', 6: 'echo', 7: 'echoreply', 8: 'TS',
  11: 'cc', 12: 'ccnew', 13: 'ccecho', 19: 'md5', 28: 'uto', 29: 'tcp-ao', 30: 'mptcp', 34: 'tfo', 253: 'exp', 254: 'exp',
};

/** `Flags [S.]` for every flags byte */
const FLAG_TEXT: string[] = Array.from({ length: 256 }, (_, f) => {
  let s = '';
  if (f & FIN) s += 'F';
  if (f & SYN) s += 'S';
  if (f & RST) s += 'R';
  if (f & PSH) s += 'P';
  if (f & ACK) s += '.';
  if (f & URG) s += 'U';
  if (f & ECE) s += 'E';
  if (f & CWR) s += 'W';
  return `Flags [${s || 'none'}]`;
});

const scratch = [0, 0, 0, 0];

/** TCP as tcpdump's tcp_print without -v: flags, seq/ack, win, options, length, then DNS or HTTP payloads. */
export function tcpPrint(p: Packet, off: number, len: number, ipOff: number, v6: boolean, fragmented = false): void {
  p.proto = 'tcp';
  if (!p.has(off, 4)) {
    transportAddressesNoPorts(p, ipOff, v6, 6, ':');
    throw TRUNCATED;
  }
  const sport = p.u16(off);
  const dport = p.u16(off + 2);
  transportAddresses(p, ipOff, v6, 6, sport, dport);
  p.need(off, 20);
  let hlen = (p.buf[off + 12]! >> 4) * 4;
  if (hlen < 20) {
    p.out.str(` tcp ${len - hlen} [bad hdr length ${hlen} - too short, < 20]`);
    return;
  }
  if (p.opts.quiet) {
    p.out.str('tcp ');
    p.out.dec((len - hlen) >>> 0);
    if (hlen > len) p.out.str(` [bad hdr length ${hlen} - too long, > ${len}]`);
    return;
  }
  let seq = p.u32(off + 4);
  let ack = p.u32(off + 8);
  const win = p.u16(off + 14);
  const urp = p.u16(off + 18);
  const flags = p.buf[off + 13]!;
  const out = p.out;
  out.str(FLAG_TEXT[flags]!);
  let rev = false;
  let baseSeq = 0;
  let baseAck = 0;
  if (flags & ACK && !p.opts.absoluteSeq) {
    const addrLen = v6 ? 16 : 4;
    const src = ipOff + (v6 ? 8 : 12);
    const dst = src + addrLen;
    rev = sport > dport || (sport === dport && bytesBefore(p.buf, dst, src, addrLen));
    p.tcpSequences.relative(p.buf, rev ? dst : src, rev ? src : dst, addrLen, rev ? dport : sport, rev ? sport : dport, rev, seq, ack, (flags & SYN) !== 0, scratch);
    seq = scratch[0]!;
    ack = scratch[1]!;
    baseSeq = scratch[2]!;
    baseAck = scratch[3]!;
  }
  if (hlen > len) {
    out.str(` [bad hdr length ${hlen} - too long, > ${len}]`);
    return;
  }
  // -v: the checksum when the whole segment was captured (a fragment cannot be checked)
  if (p.opts.verbose && !p.opts.noChecksums && !fragmented && p.has(off, len)) printTransportChecksum(p, off, len, ipOff, v6, 6, off + 16);
  const dataLen = len - hlen;
  // -vv: the sequence number of a bare ACK too
  if (dataLen > 0 || flags & (SYN | FIN | RST) || (p.opts.verbose ?? 0) > 1) {
    out.str(', seq ');
    out.dec(seq);
    if (dataLen > 0) {
      out.ch(0x3a);
      out.dec((seq + dataLen) >>> 0);
    }
  }
  if (flags & ACK) {
    out.str(', ack ');
    out.dec(ack);
  }
  out.str(', win ');
  out.dec(win);
  if (flags & URG) {
    out.str(', urg ');
    out.dec(urp);
  }
  if (hlen > 20) optionsPrint(p, off + 20, hlen - 20, rev ? baseSeq : baseAck, flags);
  out.str(', length ');
  out.dec(dataLen);
  if (dataLen === 0) return;
  const payload = off + hlen;
  if (sport === 80 || dport === 80 || sport === 8080 || dport === 8080) {
    p.out.str(': ');
    httpPrint(p, payload, dataLen);
  } else if (sport === 53 || dport === 53) {
    domainPrint(p, payload, dataLen, true);
  }
}

function optionsPrint(p: Packet, off: number, hlen: number, sackBase: number, flags: number): void {
  if (hlen === 12 && p.has(off, 12) && p.u32(off) === NOP_NOP_TIMESTAMP) {
    // what nearly every segment of an established connection carries, written straight
    p.out.str(', options [nop,nop,TS val ');
    p.out.dec(p.u32(off + 4));
    p.out.str(' ecr ');
    p.out.dec(p.u32(off + 8));
    p.out.ch(0x5d);
    return;
  }
  p.out.str(', options [');
  // as tcpdump: after the first option, a bad or truncated one also closes the list
  let sep = '';
  let cp = off;
  try {
    while (hlen > 0) {
      p.out.str(sep);
      const opt = p.u8(cp++);
      let len = 1;
      if (opt > 1) {
        len = p.u8(cp++);
        if (len < 2 || len > hlen) throw BAD_OPT;
        hlen--;
      }
      hlen--;
      p.out.str(OPTION_NAMES[opt] ?? `unknown-${opt}`);
      let datalen = 0;
      switch (opt) {
        case 2:
          datalen = 2;
          lenCheck(p, cp, hlen, 2);
          p.out.ch(0x20);
          p.out.dec(p.u16(cp));
          break;
        case 3:
          datalen = 1;
          lenCheck(p, cp, hlen, 1);
          p.out.ch(0x20);
          p.out.dec(p.u8(cp));
          break;
        case 5:
          datalen = len - 2;
          if (datalen % 8 !== 0) p.out.str(' invalid sack');
          else {
            p.out.str(` ${datalen / 8} `);
            for (let i = 0; i < datalen; i += 8) {
              lenCheck(p, cp, hlen, i + 8);
              p.out.str(`{${(p.u32(cp + i) - sackBase) >>> 0}:${(p.u32(cp + i + 4) - sackBase) >>> 0}}`);
            }
          }
          break;
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
          datalen = 4;
          lenCheck(p, cp, hlen, 4);
          p.out.str(` ${p.u32(cp)}`);
          break;
        case 8:
          datalen = 8;
          lenCheck(p, cp, hlen, 8);
          p.out.str(' val ');
          p.out.dec(p.u32(cp));
          p.out.str(' ecr ');
          p.out.dec(p.u32(cp + 4));
          break;
        case 0:
        case 1:
        case 4:
          break;
        case 30: {
          datalen = len - 2;
          lenCheck(p, cp, hlen, datalen);
          if (!mptcpPrint(p, cp - 2, len, flags)) throw BAD_OPT;
          break;
        }
        case 34:
          datalen = len - 2;
          lenCheck(p, cp, hlen, datalen);
          p.out.ch(0x20);
          fastOpenPrint(p, cp, datalen);
          break;
        case 254: {
          datalen = len - 2;
          lenCheck(p, cp, hlen, datalen);
          if (datalen < 2) throw BAD_OPT;
          const magic = p.u16(cp);
          p.out.ch(0x2d);
          if (magic === TFO_MAGIC) {
            p.out.str('tfo');
            fastOpenPrint(p, cp + 2, datalen - 2);
          } else p.out.hex(magic, 4);
          break;
        }
        default:
          datalen = len - 2;
          if (datalen) p.out.str(' 0x');
          for (let i = 0; i < datalen; i++) {
            lenCheck(p, cp, hlen, i + 1);
            p.out.hex(p.buf[cp + i]!, 2);
          }
      }
      cp += datalen;
      hlen -= datalen;
      const expected = datalen + (opt > 1 ? 2 : 1);
      if (expected !== len) p.out.str(`[len ${len}]`);
      sep = ',';
      if (opt === 0) break;
    }
  } catch (err) {
    if (err === BAD_OPT) {
      p.out.str(sep ? '[bad opt]]' : '[bad opt]');
      return;
    }
    // as tcpdump: an option's data cut short (its ND_TCHECK) closes with '>'; a cut kind or length byte (GET_U_1) does not
    if (err === OPTION_TRUNCATED) {
      p.out.str(sep ? ' [|tcp]>' : ' [|tcp]');
      throw TRUNCATED_DONE;
    }
    throw err;
  }
  p.out.str(']');
}

/** RFC 6994's magic of an experimental option carrying TCP Fast Open */
const TFO_MAGIC = 0xf989;

/** a Fast Open cookie request, or the cookie in hex */
function fastOpenPrint(p: Packet, cp: number, len: number): void {
  if (len === 0) p.out.str(' cookiereq');
  else if (len % 2 !== 0 || len < 4 || len > 16) p.out.str(' (invalid)');
  else {
    p.out.str(' cookie ');
    for (let i = 0; i < len; i++) p.out.hex(p.buf[cp + i]!, 2);
  }
}

/** the `len` bytes at `a` sort before those at `b` (memcmp < 0) */
function bytesBefore(buf: Buffer, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return buf[a + i]! < buf[b + i]!;
  return false;
}

/** nop, nop, kind 8 (timestamps) of length 10 */
const NOP_NOP_TIMESTAMP = 0x0101080a;

const BAD_OPT = Symbol('bad tcp option');

/** an option's data of `l` bytes must fit in the header (else a bad option) and in the captured bytes */
function lenCheck(p: Packet, cp: number, hlen: number, l: number): void {
  if (l > hlen) throw BAD_OPT;
  if (!p.has(cp, l)) throw OPTION_TRUNCATED;
}

const OPTION_TRUNCATED = Symbol('tcp option data truncated');
