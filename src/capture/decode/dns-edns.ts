import { ipv4String, ipv6String } from './addr.js';
import type { Packet } from './packet.js';

/** EDNS options inside an OPT record as tcpdump's eopt_print (seen with -vv, in the additional section). */

const E_ECS = 8;
const E_EXPIRE = 9;
const E_COOKIE = 10;
const E_KEEPALIVE = 11;
const E_PADDING = 12;
const E_CHAIN = 13;
const E_KEYTAG = 14;
const E_DAU = 5;
const E_DHU = 6;
const E_N3U = 7;

const OPTION_NAMES: Record<number, string> = {
  1: 'LLQ', 2: 'UL', 3: 'NSID', 5: 'DAU', 6: 'DHU', 7: 'N3U', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE', 11: 'KEEPALIVE',
  12: 'PADDING', 13: 'CHAIN', 14: 'KEY-TAG', 16: 'CLIENT-TAG', 17: 'SERVER-TAG',
};
const DAU_NAMES: Record<number, string> = {
  0: 'DELETE', 1: 'RSAMD5', 2: 'DH', 3: 'DS', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1', 8: 'RSASHA256',
  10: 'RSASHA512', 12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519', 16: 'ED448',
  252: 'INDIRECT', 253: 'PRIVATEDNS', 254: 'PRIVATEOID',
};
const DHU_NAMES: Record<number, string> = { 1: 'SHA-1', 2: 'SHA-256', 3: 'GOST_R_34.11-94', 4: 'SHA-384' };
const N3U_NAMES: Record<number, string> = { 1: 'SHA-1' };

/** ` [opt,opt]` for the options in `[cp, end)`; -1 when they run past the captured bytes */
export function ednsOptionsPrint(p: Packet, cp: number, end: number, namePrint: (p: Packet, cp: number, msg: number) => void): number {
  p.out.str(' [');
  while (cp < end) {
    if (!p.has(cp, 2)) return -1;
    const opt = p.u16(cp);
    p.out.str(OPTION_NAMES[opt] ?? `Opt${opt}`);
    if (!p.has(cp + 2, 2)) return -1;
    const len = p.u16(cp + 2);
    cp += 4;
    if (!p.has(cp, len)) return -1;
    if (len > 0) {
      p.out.ch(0x20);
      optionData(p, opt, cp, len, namePrint);
    }
    cp += len;
    if (cp < end) p.out.ch(0x2c);
  }
  p.out.ch(0x5d);
  return cp;
}

function optionData(p: Packet, opt: number, cp: number, len: number, namePrint: (p: Packet, cp: number, msg: number) => void): void {
  const out = p.out;
  switch (opt) {
    case E_ECS:
      clientSubnet(p, cp, len);
      return;
    case E_COOKIE:
      if (len < 8 || (len > 8 && len < 16) || len > 40) out.str(' (invalid)');
      else for (let i = 0; i < len; i++) {
        // the client cookie, then the server's
        if (i === 8) out.ch(0x20);
        out.hex(p.buf[cp + i]!, 2);
      }
      return;
    case E_KEEPALIVE:
      // in units of 100 ms
      if (len !== 2) out.str(' (invalid)');
      else out.str(`${(p.u16(cp) / 10).toFixed(1)} sec`);
      return;
    case E_EXPIRE:
      if (len !== 4) out.str(' (invalid)');
      else out.str(`${p.u32(cp)} sec`);
      return;
    case E_PADDING:
      out.str(`(${len})`);
      return;
    case E_KEYTAG:
      if (len % 2 !== 0) out.str(' (invalid)');
      else for (let i = 0; i < len; i += 2) out.str(`${i > 0 ? ' ' : ''}${p.u16(cp + i)}`);
      return;
    case E_DAU:
    case E_DHU:
    case E_N3U: {
      const names = opt === E_DAU ? DAU_NAMES : opt === E_DHU ? DHU_NAMES : N3U_NAMES;
      for (let i = 0; i < len; i++) out.str(`${i > 0 ? ' ' : ''}${names[p.buf[cp + i]!] ?? `Alg_${p.buf[cp + i]}`}`);
      return;
    }
    case E_CHAIN:
      namePrint(p, cp, cp);
      return;
    default:
      for (let i = 0; i < len; i++) out.hex(p.buf[cp + i]!, 2);
  }
}

/** ECS: `addr/source/scope`, the address padded with zeros */
function clientSubnet(p: Packet, cp: number, len: number): void {
  if (len < 4) {
    p.out.str(' (invalid)');
    return;
  }
  const family = p.u16(cp);
  const source = p.buf[cp + 2]!;
  const scope = p.buf[cp + 3]!;
  const bits = family === 1 ? 32 : family === 2 ? 128 : 0;
  if (!bits || len - 4 > bits / 8 || source > bits || scope > bits || Math.floor((source + 7) / 8) !== len - 4) {
    p.out.str(' (invalid)');
    return;
  }
  const padded = Buffer.alloc(16);
  p.buf.copy(padded, 0, cp + 4, cp + len);
  p.out.str(`${family === 1 ? ipv4String(padded, 0) : ipv6String(padded, 0)}/${source}/${scope}`);
}
