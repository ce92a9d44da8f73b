/** Options of IPv6: neighbour discovery options in ICMPv6 and hop-by-hop / destination options (both printed with -v). */
import { ipv6String } from './addr.js';
import { dnsNamePrint } from './dns.js';
import type { Packet } from './packet.js';

/** tcpdump's icmp6_opt_values (the ones it names) */
const OPTION_NAMES: Record<number, string> = {
  1: 'source link-address', 2: 'destination link-address', 3: 'prefix info', 4: 'redirected header', 5: 'mtu',
  7: 'advertisement interval', 8: 'homeagent information', 24: 'route info', 25: 'rdnss', 31: 'dnssl',
};

/**
 * Neighbour discovery options as tcpdump's icmp6_opt_print with -v: one
 * line each with its data decoded (link-layer address, prefix, MTU, RDNSS,
 * DNSSL, route information, advertisement interval, home agent); others in
 * hex (and tcpdump stops after an option it has no name for); -vv adds every
 * option's data in hex.
 */
export function ndOptionsPrint(p: Packet, off: number, len: number): void {
  const out = p.out;
  const start = off;
  const end = Math.min(p.end, off + len);
  while (off < end) {
    if (!p.has(off + 1, 1)) return truncated(p);
    const type = p.buf[off]!;
    const units = p.buf[off + 1]!;
    if (units === 0 || off + units * 8 > end) return truncated(p);
    out.str(`\n\t  ${OPTION_NAMES[type] ?? 'unknown'} option (${type}), length ${units * 8} (${units}): `);
    const verbose = p.opts.verbose ?? 0;
    if (type === 1 || type === 2) linkAddress(p, off + 2, units * 8 - 2);
    else if (type === 4) p.hexDump(start, units * 8, '\n\t    ');
    else if (type in OPTION_NAMES) {
      if (!decodedOption(p, type, off, units)) return truncated(p);
    } else if (verbose < 2) {
      p.hexDump(off + 2, units * 8 - 2, '\n\t  ');
      return;
    }
    // -vv: every option's data in hex as well
    if (verbose > 1) p.hexDump(off + 2, units * 8 - 2, '\n\t    ');
    off += units * 8;
  }
}

const PREFIX_FLAGS: [number, string][] = [[0x80, 'onlink'], [0x40, 'auto'], [0x20, 'router']];
const ROUTER_PREFERENCES = ['medium', 'high', 'rsv', 'low'];

/** get_rtpref: the preference bits of a router advertisement or route information option */
export const routerPreference = (flags: number) => ROUTER_PREFERENCES[(flags & 0x18) >> 3]!;
const lifetime = (v: number) => (v === 0xffffffff ? 'infinity' : `${v}s`);

/** the options tcpdump decodes; false where it says [ndp opt] */
function decodedOption(p: Packet, type: number, off: number, units: number): boolean {
  const out = p.out;
  switch (type) {
    case 3: {
      p.need(off, 32);
      const flags = p.buf[off + 3]!;
      out.str(`${ipv6String(p.buf, off + 16)}/${p.buf[off + 2]}${units !== 4 ? 'badlen' : ''}, Flags [${PREFIX_FLAGS.filter(([b]) => flags & b).map(([, n]) => n).join(', ') || 'none'}]`);
      out.str(`, valid time ${lifetime(p.u32(off + 4))}, pref. time ${lifetime(p.u32(off + 8))}`);
      return true;
    }
    case 5:
      out.str(` ${p.u32(off + 4)}${units !== 1 ? 'bad option length' : ''}`);
      return true;
    case 25:
      out.str(` lifetime ${p.u32(off + 4)}s,`);
      for (let i = 0; i < Math.floor((units - 1) / 2); i++) {
        p.need(off + 8 + 16 * i, 16);
        out.str(` addr: ${ipv6String(p.buf, off + 8 + 16 * i)}`);
      }
      return true;
    case 31: {
      out.str(` lifetime ${p.u32(off + 4)}s, domain(s):`);
      for (let d = off + 8; d < off + units * 8 && p.u8(d) !== 0; ) {
        out.ch(0x20);
        d = dnsNamePrint(p, d, off);
      }
      return true;
    }
    case 7:
      out.str(` ${p.u32(off + 4)}ms`);
      return true;
    case 8:
      out.str(` preference ${p.u16(off + 4)}, lifetime ${p.u16(off + 6)}`);
      return true;
    case 24: {
      p.need(off + 4, 4);
      if (units > 3) return false;
      const prefix = Buffer.alloc(16);
      if (units > 1) {
        p.need(off + 8, (units - 1) * 8);
        p.buf.copy(prefix, 0, off + 8, off + 8 + (units - 1) * 8);
      }
      out.str(` ${ipv6String(prefix, 0)}/${p.buf[off + 2]}, pref=${routerPreference(p.buf[off + 3]!)}, lifetime=${lifetime(p.u32(off + 4))}`);
      return true;
    }
    default:
      return true;
  }
}

/** print_lladdr: bytes in hex separated by ':' */
function linkAddress(p: Packet, off: number, len: number): void {
  for (let i = 0; i < len; i++) {
    if (i) p.out.ch(0x3a);
    p.out.hex(p.u8(off + i), 2);
  }
}

function truncated(p: Packet): void {
  p.out.str('[ndp opt]');
}

/** IPv6 hop-by-hop and destination options as ip6_opt_print with -v; false when cut short */
export function ipv6OptionsPrint(p: Packet, off: number, len: number): boolean {
  if (len === 0) return true;
  const out = p.out;
  for (let i = 0, optLen = 0; i < len; i += optLen) {
    const type = p.u8(off + i);
    if (type === 0) optLen = 1;
    else if (i + 1 < len) optLen = p.u8(off + i + 1) + 2;
    else return false;
    if (i + optLen > len) return false;
    if (type === 0) out.str('(pad1)');
    else if (len - i < 2) {
      out.str(type === 1 ? '(padn: trunc)' : `(type ${type}: trunc)`);
      return false;
    } else if (type === 1) out.str('(padn)');
    else if (type === 5) {
      if (len - i < 4) {
        out.str('(rtalert: trunc)');
        return false;
      }
      if (p.u8(off + i + 1) !== 2) {
        out.str(`(rtalert: invalid len ${p.u8(off + i + 1)})`);
        return false;
      }
      out.str('(rtalert: 0x');
      out.hex(p.u16(off + i + 2), 4);
      out.str(') ');
    } else {
      out.str('(opt_type 0x');
      out.hex(type, 2);
      out.str(`: len=${p.u8(off + i + 1)})`);
    }
  }
  out.ch(0x20);
  return true;
}
