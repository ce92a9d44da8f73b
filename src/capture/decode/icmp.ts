import { ipv4Addr } from './addr.js';
import { checksumShouldBe, complementedSum, wordSum } from './checksum.js';
import { ipv4Print } from './ipv4.js';
import type { Packet } from './packet.js';

const TYPE_NAMES: Record<number, string> = {
  0: 'echo reply',
  4: 'source quench',
  8: 'echo request',
  10: 'router solicitation',
  15: 'information request',
  16: 'information reply',
};

/** The formats of tcpdump's unreach2str; `%s` is the destination of the packet that failed. */
const UNREACH_FORMATS: Record<number, string> = {
  0: 'net %s unreachable',
  1: 'host %s unreachable',
  5: '%s unreachable - source route failed',
  6: 'net %s unreachable - unknown',
  7: 'host %s unreachable - unknown',
  8: '%s unreachable - source host isolated',
  9: 'net %s unreachable - admin prohibited',
  10: 'host %s unreachable - admin prohibited',
  11: 'net %s unreachable - tos prohibited',
  12: 'host %s unreachable - tos prohibited',
  13: 'host %s unreachable - admin prohibited filter',
  14: 'host %s unreachable - host precedence violation',
  15: 'host %s unreachable - precedence cutoff',
};

/** the types whose message quotes the packet that failed (ICMP_ERRTYPE) */
const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

/**
 * ICMP as tcpdump's icmp_print: `ICMP <what>, length N`. As in tcpdump, the
 * text is built first, so a truncated packet prints only `[|icmp]`. With -v
 * a wrong checksum is named and an error's quoted packet follows on a new
 * line, printed as an IP packet.
 */
export function icmpPrint(p: Packet, off: number, len: number, fragmented = false): void {
  p.proto = 'icmp';
  const type = p.u8(off);
  const code = p.u8(off + 1);
  if (type === 0 || type === 8) {
    // the common case written in place; the fields are checked first, as the text is built first
    p.need(off + 4, 4);
    p.out.str(type === 8 ? 'ICMP echo request, id ' : 'ICMP echo reply, id ');
    p.out.dec(p.u16(off + 4));
    p.out.str(', seq ');
    p.out.dec(p.u16(off + 6));
  } else {
    const text = icmpText(p, off, type, code);
    p.out.str('ICMP ');
    p.out.str(text);
  }
  p.out.str(', length ');
  p.out.dec(len);
  if (p.opts.verbose) verboseTail(p, off, len, type, fragmented);
}

function verboseTail(p: Packet, off: number, len: number, type: number, fragmented: boolean): void {
  if (!fragmented && p.has(off, len)) {
    const sum = complementedSum(wordSum(p.buf, off, len));
    if (sum !== 0) {
      const field = p.u16(off + 2);
      p.out.str(' (wrong icmp cksum ');
      p.out.hex(field);
      p.out.str(' (->');
      p.out.hex(checksumShouldBe(field, sum));
      p.out.str(')!)');
    }
  }
  if (ERROR_TYPES.has(type)) {
    p.out.str('\n\t');
    ipv4Print(p, off + 8, p.u16(off + 8 + 2));
  }
}

function icmpText(p: Packet, off: number, type: number, code: number): string {
  switch (type) {
    case 3:
      return unreachText(p, off + 8, code, p.u16(off + 6));
    case 11:
      return code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
    default:
      return TYPE_NAMES[type] ?? `type-#${type}`;
  }
}

function unreachText(p: Packet, inner: number, code: number, mtu: number): string {
  const dst = ipv4Addr(p, inner + 16);
  switch (code) {
    case 2:
      return `${dst} protocol ${p.u8(inner + 9)} unreachable`;
    case 3: {
      const proto = p.u8(inner + 9);
      const hlen = (p.u8(inner) & 0x0f) * 4;
      const dport = p.u16(inner + hlen + 2);
      if (proto === 6) return `${dst} tcp port ${dport} unreachable`;
      if (proto === 17) return `${dst} udp port ${dport} unreachable`;
      return `${dst} protocol ${proto} port ${dport} unreachable`;
    }
    case 4:
      return mtu ? `${dst} unreachable - need to frag (mtu ${mtu})` : `${dst} unreachable - need to frag`;
    default: {
      const format = UNREACH_FORMATS[code];
      return format ? format.replace('%s', dst) : `${dst} unreachable - #${code}`;
    }
  }
}
