import { ethernetPrint } from './ethernet.js';
import { ETHERTYPE_NAMES } from './ethertype.js';
import { ipv4Print } from './ipv4.js';
import { ipv6Print } from './ipv6.js';
import { TRUNCATED, type Packet } from './packet.js';

/**
 * GRE (ip-proto 47) as tcpdump 4.99's gre_print: version 0 with checksum,
 * key and sequence and the inner IPv4, IPv6 or Ethernet (TEB) packet;
 * version 1 (PPTP) its header only (tsdiag has no PPP printer).
 */

const CP = 0x8000;
const RP = 0x4000;
const KP = 0x2000;
const SP = 0x1000;
const AP = 0x0080;
const FLAGS: [number, string][] = [[CP, 'checksum present'], [RP, 'routing present'], [KP, 'key present'], [SP, 'sequence# present'], [0x0800, 'source routing present'], [AP, 'ack present']];

export function grePrint(p: Packet, off: number, length: number): void {
  p.proto = 'gre';
  const out = p.out;
  if (length < 2) throw TRUNCATED;
  const flags = p.u16(off);
  const version = flags & 7;
  out.str(`GREv${version}`);
  if (version > 1) {
    out.str(' ERROR: unknown-version');
    return;
  }
  if (p.opts.verbose) out.str(`, Flags [${FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n).join(', ') || 'none'}]`);
  let cp = off + 2;
  let len = length - 2;
  const take = (n: number): number => {
    p.need(cp, n);
    if (len < n) throw TRUNCATED;
    const at = cp;
    cp += n;
    len -= n;
    return at;
  };
  const proto = p.u16(take(2));
  if (version === 0) {
    if (flags & (CP | RP)) {
      const sum = p.u16(take(2));
      if (p.opts.verbose) out.str(`, sum 0x${sum.toString(16)}`);
      out.str(`, off 0x${p.u16(take(2)).toString(16)}`);
    }
    if (flags & KP) out.str(`, key=0x${p.u32(take(4)).toString(16)}`);
    if (flags & SP) out.str(`, seq ${p.u32(take(4))}`);
    if (flags & RP) {
      // source route entries (RFC 1701): skipped, not printed
      for (;;) {
        const sre = take(4);
        const srelen = p.u8(sre + 3);
        if (p.u16(sre) === 0 && srelen === 0) break;
        take(srelen);
      }
    }
  } else {
    if (flags & KP) out.str(`, call ${p.u32(take(4)) & 0xffff}`);
    if (flags & SP) out.str(`, seq ${p.u32(take(4))}`);
    if (flags & AP) out.str(`, ack ${p.u32(take(4))}`);
    if (!(flags & SP)) out.str(', no-payload');
  }
  if (p.opts.linkHeader) out.str(`, proto ${ETHERTYPE_NAMES.get(proto) ?? 'unknown'} (0x${proto.toString(16).padStart(4, '0')})`);
  out.str(`, length ${length}`);
  if (version === 1 && !(flags & SP)) return;
  out.str(p.opts.verbose ? '\n\t' : ': ');
  if (version === 1) return;
  if (proto === 0x0800) ipv4Print(p, cp, len);
  else if (proto === 0x86dd) ipv6Print(p, cp, len);
  else if (proto === 0x6558) ethernetPrint(p, cp, len);
  else out.str(`gre-proto-0x${proto.toString(16)}`);
}
