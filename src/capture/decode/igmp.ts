import { complementedSum, wordSum } from './checksum.js';
import { putIpv4Addr, putIpv6Addr } from './addr.js';
import type { Packet } from './packet.js';

/** tcpdump's igmpv3report2str (and mldv2report2str, the same names) */
export const MULTICAST_RECORD_TYPES = ['', 'is_in', 'is_ex', 'to_in', 'to_ex', 'allow', 'block'];
/** DVMRP, PIMv1, mtrace: not decoded (the caller prints the protocol number and length) */
const NOT_DECODED = new Set([0x13, 0x14, 0x1e, 0x1f]);

/**
 * IGMP as tcpdump's igmp_print: queries (v1, v2, v3), v1/v2/v3 reports and
 * leaves; with -v the group records of v3 reports and a bad checksum. False
 * for the types tsdiag does not decode.
 */
export function igmpPrint(p: Packet, off: number, len: number): boolean {
  p.proto = 'igmp';
  if (p.opts.quiet) {
    p.out.str('igmp');
    return true;
  }
  const type = p.u8(off);
  if (NOT_DECODED.has(type)) return false;
  const out = p.out;
  switch (type) {
    case 0x11:
      out.str('igmp query');
      if (len >= 12) v3Query(p, off, len);
      else {
        const maxResp = p.u8(off + 1);
        if (maxResp) {
          out.str(' v2');
          if (maxResp !== 100) {
            out.str(' [max resp time ');
            out.dec(maxResp);
            out.ch(0x5d);
          }
        } else out.str(' v1');
        if (p.u32(off + 4)) {
          out.str(' [gaddr ');
          putIpv4Addr(p, off + 4);
          out.ch(0x5d);
        }
        if (len !== 8) out.str(` [len ${len}]`);
      }
      break;
    case 0x12:
    case 0x16:
    case 0x17:
      p.need(off + 4, 4);
      out.str(type === 0x12 ? 'igmp v1 report ' : type === 0x16 ? 'igmp v2 report ' : 'igmp leave ');
      putIpv4Addr(p, off + 4);
      if (type === 0x12 && len !== 8) out.str(` [len ${len}]`);
      break;
    case 0x22:
      out.str('igmp v3 report');
      v3Report(p, off, len);
      break;
    default:
      out.str(`igmp-${type}`);
  }
  if (p.opts.verbose && len >= 4 && p.has(off, len) && complementedSum(wordSum(p.buf, off, len)) !== 0) {
    out.str(' bad igmp cksum ');
    out.hex(p.u16(off + 2));
    out.ch(0x21);
  }
  return true;
}

function v3Report(p: Packet, off: number, len: number): void {
  const out = p.out;
  if (len < 16 || len & 3) {
    out.str(` [invalid len ${len}]`);
    return;
  }
  const groups = p.u16(off + 6);
  out.str(', ');
  out.dec(groups);
  out.str(' group record(s)');
  if (!p.opts.verbose) return;
  let g = 8;
  for (let i = 0; i < groups; i++) {
    if (len < g + 8) {
      out.str(' [invalid number of groups]');
      return;
    }
    p.need(off + g + 4, 4);
    out.str(' [gaddr ');
    putIpv4Addr(p, off + g + 4);
    const recordType = p.u8(off + g);
    out.str(` ${MULTICAST_RECORD_TYPES[recordType] || ` [v3-report-#${recordType}]`}`);
    const sources = p.u16(off + g + 2);
    if (len < g + 8 + sources * 4) {
      out.str(` [invalid number of sources ${sources}]`);
      return;
    }
    sourcesPrint(p, off + g + 8, sources, 4);
    out.ch(0x5d);
    g += 8 + sources * 4;
  }
}

function v3Query(p: Packet, off: number, len: number): void {
  const out = p.out;
  out.str(' v3');
  if (len < 12 || len & 3) {
    out.str(` [invalid len ${len}]`);
    return;
  }
  const mrc = p.u8(off + 1);
  const mrt = mrc < 128 ? mrc : ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3);
  if (mrc !== 100) out.str(` [max resp time ${mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relativeTime(Math.floor(mrt / 10))}]`);
  if (p.u32(off + 4) === 0) return;
  out.str(' [gaddr ');
  putIpv4Addr(p, off + 4);
  const sources = p.u16(off + 10);
  if (sources > 0) {
    if (len < 12 + sources * 4) out.str(' [invalid number of sources]');
    else sourcesPrint(p, off + 12, sources, 4, true);
  }
  out.ch(0x5d);
}

/** tcpdump's unsigned_relts_print: 1h2m3s */
function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  let s = '';
  for (const [unit, name] of [[31536000, 'y'], [604800, 'w'], [86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']] as const) {
    if (secs >= unit) {
      s += `${Math.floor(secs / unit)}${name}`;
      secs %= unit;
    }
  }
  return s;
}

/**
 * The sources of an IGMPv3 or MLDv2 group record or query: their count with
 * -v, the addresses with -vv (a record shows `{ }` with none, a query nothing)
 */
export function sourcesPrint(p: Packet, off: number, count: number, addrLen: 4 | 16, query = false): void {
  if ((p.opts.verbose ?? 0) === 1 || (query && (p.opts.verbose ?? 0) < 2)) {
    p.out.str(`, ${count} source(s)`);
    return;
  }
  p.out.str(' {');
  for (let i = 0; i < count; i++) {
    p.out.ch(0x20);
    if (addrLen === 4) putIpv4Addr(p, off + i * 4);
    else putIpv6Addr(p, off + i * 16);
  }
  p.out.str(' }');
}
