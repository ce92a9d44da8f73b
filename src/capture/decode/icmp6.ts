import { ipv6Addr, putIpv6Addr } from './addr.js';
import { printBracketChecksum } from './checksum.js';
import { MULTICAST_RECORD_TYPES, sourcesPrint } from './igmp.js';
import { ndOptionsPrint, routerPreference } from './ipv6-options.js';

const RA_FLAGS: [number, string][] = [[0x80, 'managed'], [0x40, 'other stateful'], [0x20, 'home agent'], [0x02, 'ipv6 only']];
import type { Packet } from './packet.js';

const TYPE_NAMES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  143: 'multicast listener report v2',
};

const UNREACH_CODES: Record<number, string> = {
  0: 'unreachable route',
  1: 'unreachable prohibited',
  2: 'beyond scope',
  3: 'unreachable address',
  4: 'unreachable port',
};

/**
 * ICMPv6 as tcpdump's icmp6_print without -v, for the types seen on
 * container links (echo, unreachable, too big, time exceeded, router and
 * neighbour discovery, MLDv2 reports). Other types: their number and length.
 */
export function icmp6Print(p: Packet, off: number, len: number, ipOff = -1, fragmented = false): void {
  p.proto = 'icmp6';
  if (len === 0) {
    p.out.str('ICMP6, length 0 (invalid)');
    return;
  }
  const type = p.u8(off);
  const name = TYPE_NAMES[type];
  if (name === undefined) {
    p.out.str(`ICMP6, type ${type}, length ${len}`);
    return;
  }
  const verbose = (p.opts.verbose ?? 0) > 0;
  if (verbose && !fragmented && ipOff >= 0 && p.has(off, len)) printBracketChecksum(p, off, len, ipOff, true, 58, off + 2, 'icmp6');
  p.out.str('ICMP6, ');
  p.out.str(name);
  // with -v the length comes here for neighbour discovery, and nowhere for the others
  const discovery = type >= 133 && type <= 137;
  if (verbose && discovery) {
    p.out.str(', length ');
    p.out.dec(len);
  }
  const code = p.u8(off + 1);
  const inner = off + 8;
  switch (type) {
    case 1:
      unreachDetail(p, inner, code);
      break;
    case 2:
      p.out.str(`, mtu ${p.u32(off + 4)}`);
      break;
    case 3:
      p.out.str(code === 0 ? ` for ${ipv6Addr(p, inner + 24)}` : code === 1 ? ' (reassembly)' : `, unknown code (${code})`);
      break;
    case 128:
    case 129:
      p.need(off + 4, 4);
      p.out.str(', id ');
      p.out.dec(p.u16(off + 4));
      p.out.str(', seq ');
      p.out.dec(p.u16(off + 6));
      break;
    case 135:
      p.need(off + 8, 16);
      p.out.str(', who has ');
      putIpv6Addr(p, off + 8);
      if (verbose) ndOptionsPrint(p, off + 24, len - 24);
      break;
    case 136:
      p.need(off + 8, 16);
      p.out.str(', tgt is ');
      putIpv6Addr(p, off + 8);
      if (verbose) {
        p.out.str(`, Flags [${advertFlags(p.u32(off + 4))}]`);
        ndOptionsPrint(p, off + 24, len - 24);
      }
      break;
    case 133:
      if (verbose) ndOptionsPrint(p, off + 8, len - 8);
      break;
    case 134:
      if (verbose) {
        p.need(off + 4, 12);
        const flags = p.buf[off + 5]!;
        const names = RA_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n).join(', ') || 'none';
        p.out.str(`\n\thop limit ${p.buf[off + 4]}, Flags [${names}], pref ${routerPreference(flags)}, router lifetime ${p.u16(off + 6)}s, `);
        p.out.str(`reachable time ${p.u32(off + 8)}ms, retrans timer ${p.u32(off + 12)}ms`);
        ndOptionsPrint(p, off + 16, len - 16);
      }
      break;
    case 143:
      if (len < 8) {
        p.out.str(` [invalid len ${len}]`);
        return;
      }
      p.need(off + 6, 2);
      p.out.str(', ');
      p.out.dec(p.u16(off + 6));
      p.out.str(' group record(s)');
      if (verbose) mldv2Records(p, off, len, p.u16(off + 6));
      break;
  }
  if (verbose) return;
  p.out.str(', length ');
  p.out.dec(len);
}

/** bittok2str of the router, solicited and override bits */
function advertFlags(word: number): string {
  const names = [word & 0x80000000 ? 'router' : '', word & 0x40000000 ? 'solicited' : '', word & 0x20000000 ? 'override' : ''].filter(Boolean);
  return names.length ? names.join(', ') : 'none';
}

/** the group records of an MLDv2 report with -v: `[gaddr ff02::1:ff00:1 to_ex, 0 source(s)]` */
function mldv2Records(p: Packet, off: number, len: number, groups: number): void {
  let g = 8;
  for (let i = 0; i < groups; i++) {
    if (len < g + 20) {
      p.out.str(' [invalid number of groups]');
      return;
    }
    p.need(off + g + 4, 16);
    p.out.str(' [gaddr ');
    putIpv6Addr(p, off + g + 4);
    const recordType = p.u8(off + g);
    p.out.str(` ${MULTICAST_RECORD_TYPES[recordType] || ` [v2-report-#${recordType}]`}`);
    const sources = p.u16(off + g + 2);
    if (len < g + 20 + sources * 16) {
      p.out.str(` [invalid number of sources ${sources}]`);
      return;
    }
    sourcesPrint(p, off + g + 20, sources, 16);
    p.out.ch(0x5d);
    g += 20 + sources * 16;
  }
}

function unreachDetail(p: Packet, inner: number, code: number): void {
  p.out.str(`, ${UNREACH_CODES[code] ?? `unknown unreach code (${code})`}`);
  switch (code) {
    case 0:
    case 1:
    case 3:
      p.out.str(` ${ipv6Addr(p, inner + 24)}`);
      return;
    case 2:
      p.out.str(` ${ipv6Addr(p, inner + 24)}, source address ${ipv6Addr(p, inner + 8)}`);
      return;
    case 4: {
      const upper = upperLayer(p, inner);
      const dport = p.u16(upper.off + 2);
      const dst = ipv6Addr(p, inner + 24);
      if (upper.proto === 6) p.out.str(`, ${dst} tcp port ${dport}`);
      else if (upper.proto === 17) p.out.str(`, ${dst} udp port ${dport}`);
      else p.out.str(`, ${dst} protocol ${upper.proto} port ${dport} unreachable`);
      return;
    }
  }
}

/** The transport header inside the packet quoted by an ICMPv6 error, past its extension headers. */
function upperLayer(p: Packet, ip6: number): { proto: number; off: number } {
  let nh = p.u8(ip6 + 6);
  let cur = ip6 + 40;
  while (nh === 0 || nh === 60 || nh === 43 || nh === 44) {
    const next = p.u8(cur);
    cur += nh === 44 ? 8 : (p.u8(cur + 1) + 1) << 3;
    nh = next;
  }
  return { proto: nh, off: cur };
}
