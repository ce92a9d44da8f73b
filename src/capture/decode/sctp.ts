import { putIpAddr } from './addr.js';
import type { Packet } from './packet.js';

/**
 * SCTP (ip-proto 132) as tcpdump 4.99's sctp_print: the ports, then each
 * chunk numbered with its type; DATA, INIT, INIT ACK and SACK with their
 * fields; one line per chunk and DATA payloads with -vv.
 */

const CHUNKS: Record<number, string> = {
  0x00: 'DATA', 0x01: 'INIT', 0x02: 'INIT ACK', 0x03: 'SACK', 0x04: 'HB REQ', 0x05: 'HB ACK', 0x06: 'ABORT', 0x07: 'SHUTDOWN',
  0x08: 'SHUTDOWN ACK', 0x09: 'OP ERR', 0x0a: 'COOKIE ECHO', 0x0b: 'COOKIE ACK', 0x0c: 'ECN ECHO', 0x0d: 'ECN CWR',
  0x0e: 'SHUTDOWN COMPLETE', 0xc0: 'FOR CUM TSN', 0xc1: 'REL CTRL', 0xc2: 'REL CTRL ACK',
};
const PPIDS = ['', 'ISDN Q.921', 'M2UA', 'M3UA', 'SUA', 'M2PA', 'V5.2', 'H.248', 'BICC', 'TALI', 'DUA', 'ASAP', 'ENRP', 'H.323', 'Q.IPC',
  'SIMCO', 'DDPSC', 'DDPSSC', 'S1AP', 'RUA', 'HNBAP', 'ForCES HP', 'ForCES MP', 'ForCES LP', 'SBc-AP', 'NBAP', '', 'X2AP'];
const FORCES_PORTS: Record<number, string> = { 6700: 'ForCES HP', 6701: 'ForCES MP', 6702: 'ForCES LP' };

export function sctpPrint(p: Packet, off: number, len: number, ipOff: number, v6: boolean): void {
  p.proto = 'sctp';
  const out = p.out;
  if (len < 12) {
    out.str(`truncated-sctp - ${12 - len} bytes missing!`);
    return;
  }
  p.need(off, 12);
  const sport = p.u16(off);
  const dport = p.u16(off + 2);
  const addrLen = v6 ? 16 : 4;
  const src = ipOff + (v6 ? 8 : 12);
  putIpAddr(p, v6, src);
  out.str(`.${sport} > `);
  putIpAddr(p, v6, src + addrLen);
  out.str(`.${dport}: sctp`);
  for (const port of [sport, dport]) if (port in FORCES_PORTS) out.str(`[${FORCES_PORTS[port]}]`);
  const vv = (p.opts.verbose ?? 0) >= 2;
  let sep = vv ? '\n\t' : ' (';
  let cp = off + 12;
  let left = len - 12;
  for (let n = 1; left !== 0; n++) {
    if (left < 4) {
      out.str(`${sep}${n}) [chunk descriptor cut off at end of packet]`);
      return;
    }
    p.need(cp, 4);
    const type = p.buf[cp]!;
    const flags = p.buf[cp + 1]!;
    const chunkLen = p.u16(cp + 2);
    if (chunkLen < 4) {
      out.str(`${sep}${n}) [Bad chunk length ${chunkLen}, < size of chunk descriptor]`);
      return;
    }
    const align = chunkLen % 4 ? 4 - (chunkLen % 4) : 0;
    if (left < align) {
      out.str(`${sep}${n}) [Bad chunk length ${chunkLen}, > remaining data in packet]`);
      return;
    }
    p.need(cp, chunkLen);
    out.str(`${sep}${n}) [${CHUNKS[type] ?? `Unknown chunk type: 0x${type.toString(16)}`}] `);
    if (!chunkPrint(p, type, flags, cp + 4, chunkLen - 4, chunkLen, vv)) return;
    cp += chunkLen;
    left -= chunkLen;
    if (!vv) sep = ', (';
    if (align) {
      p.need(cp, align);
      cp += align;
      left -= align;
    }
  }
}

/** false after `bogus chunk length` (tcpdump stops there) */
function chunkPrint(p: Packet, type: number, flags: number, cp: number, left: number, chunkLen: number, vv: boolean): boolean {
  const out = p.out;
  const bogus = () => {
    out.str(`bogus chunk length ${chunkLen}]`);
    return false;
  };
  switch (type) {
    case 0x00: {
      const marks = `${flags & 4 ? '(U)' : ''}${flags & 2 ? '(B)' : ''}${flags & 1 ? '(E)' : ''}`;
      if (marks) out.str(`${marks} `);
      if (left < 12) return bogus();
      const ppid = p.u32(cp + 8);
      out.str(`[TSN: ${p.u32(cp)}] [SID: ${p.u16(cp + 4)}] [SSEQ ${p.u16(cp + 6)}] [PPID ${PPIDS[ppid] || `0x${ppid.toString(16)}`}] `);
      if (left - 12 === 0) return bogus();
      if (vv) {
        out.str('[Payload');
        if (!p.opts.suppressDefaultPrint) {
          out.ch(0x3a);
          p.defaultPrint(cp + 12, left - 12);
        }
        out.ch(0x5d);
      }
      return true;
    }
    case 0x01:
    case 0x02:
      if (left < 16) return bogus();
      out.str(`[init tag: ${p.u32(cp)}] [rwnd: ${p.u32(cp + 4)}] [OS: ${p.u16(cp + 8)}] [MIS: ${p.u16(cp + 10)}] [init TSN: ${p.u32(cp + 12)}] `);
      return true;
    case 0x03: {
      if (left < 12) return bogus();
      const cumAck = p.u32(cp);
      const gaps = p.u16(cp + 8);
      const dups = p.u16(cp + 10);
      out.str(`[cum ack ${cumAck}] [a_rwnd ${p.u32(cp + 4)}] [#gap acks ${gaps}] [#dup tsns ${dups}] `);
      let at = cp + 12;
      left -= 12;
      for (let i = 0; left !== 0 && i < gaps; i++, at += 4, left -= 4) {
        if (left < 4) return bogus();
        out.str(`\n\t\t[gap ack block #${i + 1}: start = ${(cumAck + p.u16(at)) >>> 0}, end = ${(cumAck + p.u16(at + 2)) >>> 0}] `);
      }
      for (let i = 0; left !== 0 && i < dups; i++, at += 4, left -= 4) {
        if (left < 4) return bogus();
        out.str(`\n\t\t[dup TSN #${i + 1}: ${p.u32(at)}] `);
      }
      return true;
    }
    default:
      return true;
  }
}

