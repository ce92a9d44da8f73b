import { ipv4String, ipv6String } from './addr.js';
import type { Packet } from './packet.js';

/**
 * The MPTCP option (TCP option 30) as tcpdump 4.99's mptcp_print: its
 * length, subtype and fields. False where tcpdump says `[bad opt]`.
 */

const SYN = 0x02;
const ACK = 0x10;
const SUBTYPES = ['capable', 'join', 'dss', 'add-addr', 'rem-addr', 'prio', 'fail', 'fast-close', 'unknown'];
const ADD_ADDR_ECHO: Record<number, string> = { 6: 'v0-ip6', 4: 'v0-ip4', 1: 'v1-echo', 0: 'v1' };

const u64 = (p: Packet, at: number) => (BigInt(p.u32(at)) << 32n) | BigInt(p.u32(at + 4));
const hex64 = (p: Packet, at: number) => `0x${u64(p, at).toString(16)}`;

/** `opt` is the option's kind byte, `len` its length byte's value */
export function mptcpPrint(p: Packet, opt: number, len: number, flags: number): boolean {
  if (len < 3) return false;
  const subtype = Math.min(p.u8(opt + 2) >> 4, 8);
  p.out.str(` ${len} ${SUBTYPES[subtype]}`);
  switch (subtype) {
    case 0:
      return capable(p, opt, len, flags);
    case 1:
      return join(p, opt, len, flags);
    case 2:
      return dss(p, opt, len, flags);
    case 3:
      return addAddr(p, opt, len);
    case 4:
      if (len < 4) return false;
      p.out.str(' id');
      for (let i = 3; i < len; i++) p.out.str(` ${p.u8(opt + i)}`);
      return true;
    case 5:
      if (len !== 3 && len !== 4) return false;
      p.out.str(p.u8(opt + 2) & 1 ? ' backup' : ' non-backup');
      if (len === 4) p.out.str(` id ${p.u8(opt + 3)}`);
      return true;
    case 6:
    case 7:
      if (len !== 12) return false;
      p.out.str(subtype === 6 ? ` seq ${u64(p, opt + 4)}` : ` key ${hex64(p, opt + 4)}`);
      return true;
    default:
      return true;
  }
}

function capable(p: Packet, opt: number, len: number, flags: number): boolean {
  if (!((len === 12 || len === 4) && flags & SYN) && !((len === 20 || len === 22) && (flags & (SYN | ACK)) === ACK)) return false;
  const version = p.u8(opt + 2) & 0xf;
  if (version > 1) {
    p.out.str(` Unknown Version (${version})`);
    return true;
  }
  p.out.str(` v${version}`);
  if (p.u8(opt + 3) & 0x80) p.out.str(' csum');
  if (len === 12 || len >= 20) {
    p.out.str(` {${hex64(p, opt + 4)}`);
    if (len >= 20) p.out.str(`,${hex64(p, opt + 12)}`);
    p.out.ch(0x7d);
  }
  return true;
}

function join(p: Packet, opt: number, len: number, flags: number): boolean {
  if (!(len === 12 && flags & SYN) && !(len === 16 && (flags & (SYN | ACK)) === (SYN | ACK)) && !(len === 24 && flags & ACK)) return false;
  if (len !== 24) {
    if (p.u8(opt + 2) & 1) p.out.str(' backup');
    p.out.str(` id ${p.u8(opt + 3)}`);
  }
  if (len === 12) p.out.str(` token 0x${p.u32(opt + 4).toString(16)} nonce 0x${p.u32(opt + 8).toString(16)}`);
  else if (len === 16) p.out.str(` hmac ${hex64(p, opt + 4)} nonce 0x${p.u32(opt + 12).toString(16)}`);
  else {
    p.need(opt + 4, 20);
    p.out.str(' hmac 0x');
    for (let i = 0; i < 20; i++) p.out.hex(p.buf[opt + 4 + i]!, 2);
  }
  return true;
}

function dss(p: Packet, opt: number, len: number, flags: number): boolean {
  if (len < 4 || flags & SYN) return false;
  const f = p.u8(opt + 3);
  if (f & 0x10) p.out.str(' fin');
  let cp = opt + 4;
  let left = len - 4;
  const number = (wide: boolean): boolean => {
    const n = wide ? 8 : 4;
    if (left < n) return false;
    p.out.str(wide ? String(u64(p, cp)) : String(p.u32(cp)));
    cp += n;
    left -= n;
    return true;
  };
  if (f & 0x01) {
    p.out.str(' ack ');
    if (!number((f & 0x02) !== 0)) return false;
  }
  if (f & 0x04) {
    p.out.str(' seq ');
    if (!number((f & 0x08) !== 0)) return false;
    if (left < 4) return false;
    p.out.str(` subseq ${p.u32(cp)}`);
    cp += 4;
    left -= 4;
    if (left < 2) return false;
    p.out.str(` len ${p.u16(cp)}`);
    cp += 2;
    left -= 2;
    if (left >= 2) {
      p.out.str(` csum 0x${p.u16(cp).toString(16)}`);
      left -= 2;
    }
  }
  return left === 0;
}

function addAddr(p: Packet, opt: number, len: number): boolean {
  if (![8, 10, 16, 18, 20, 22, 28, 30].includes(len)) return false;
  p.out.str(` ${ADD_ADDR_ECHO[p.u8(opt + 2) & 0xf] ?? '[bad version/echo]'} id ${p.u8(opt + 3)}`);
  const v4 = len <= 18;
  const addrLen = v4 ? 4 : 16;
  p.need(opt + 4, addrLen);
  p.out.str(` ${v4 ? ipv4String(p.buf, opt + 4) : ipv6String(p.buf, opt + 4)}`);
  const withPort = len === 10 || len === 18 || len === 22 || len === 30;
  if (withPort) p.out.str(`:${p.u16(opt + 4 + addrLen)}`);
  if (len === 16 || len === 28) p.out.str(` hmac ${hex64(p, opt + 4 + addrLen)}`);
  if (len === 18 || len === 30) p.out.str(` hmac ${hex64(p, opt + 6 + addrLen)}`);
  return true;
}
