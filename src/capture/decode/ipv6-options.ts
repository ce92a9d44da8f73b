/** Options of IPv6: neighbour discovery options in ICMPv6 and hop-by-hop / destination options (both printed with -v). */
import type { Packet } from './packet.js';

/** tcpdump's icmp6_opt_values (the ones it names) */
const OPTION_NAMES: Record<number, string> = {
  1: 'source link-address', 2: 'destination link-address', 3: 'prefix info', 4: 'redirected header', 5: 'mtu',
  7: 'advertisement interval', 8: 'homeagent information', 24: 'route info', 25: 'rdnss', 26: 'dnssl',
};

/**
 * Neighbour discovery options as tcpdump's icmp6_opt_print with -v: one
 * line each; link-layer addresses decoded, MTU its value, others as a hex
 * dump of their data (prefix info, route info, RDNSS and DNSSL are shown
 * that way too: tsdiag does not decode them).
 */
export function ndOptionsPrint(p: Packet, off: number, len: number): void {
  const out = p.out;
  const end = Math.min(p.end, off + len);
  while (off < end) {
    if (!p.has(off + 1, 1)) return truncated(p);
    const type = p.buf[off]!;
    const units = p.buf[off + 1]!;
    if (units === 0 || off + units * 8 > end) return truncated(p);
    out.str(`\n\t  ${OPTION_NAMES[type] ?? 'unknown'} option (${type}), length ${units * 8} (${units}): `);
    const verbose = p.opts.verbose ?? 0;
    if (type === 1 || type === 2) linkAddress(p, off + 2, units * 8 - 2);
    else if (type === 5) {
      out.ch(0x20);
      out.dec(p.u32(off + 4));
    } else if (verbose < 2) {
      p.hexDump(off + 2, units * 8 - 2, '\n\t  ');
      // tcpdump stops at an option it has no name for
      if (!(type in OPTION_NAMES)) return;
    }
    // -vv: every option's data in hex as well
    if (verbose > 1) p.hexDump(off + 2, units * 8 - 2, '\n\t    ');
    off += units * 8;
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
