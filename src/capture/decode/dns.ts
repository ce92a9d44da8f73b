import { ipv4String, ipv6String } from './addr.js';
import { ednsOptionsPrint } from './dns-edns.js';
import { dnsClassName, dnsTypeName, OPCODES, rcodeText } from './dns-names.js';
import { TRUNCATED, type Packet } from './packet.js';
import { printable } from './printable.js';

const INDIRECT = 0xc0;
const T_OPT = 41;
const CLASS_IN = 1;

/**
 * A DNS message as tcpdump's domain_print (-v: owner names, SOA; -vv: every section, EDNS options; -vvv: TTLs): queries as
 * `id+ [1au] A? name. (len)`, responses as `id* 1/0/1 A addr (len)`.
 * Over TCP the two-byte length prefix comes first.
 */
export function domainPrint(p: Packet, off: number, length: number, overTcp: boolean, mdns = false): void {
  p.proto = 'domain';
  if (overTcp) {
    if (length < 2) {
      p.out.str(` [DNS over TCP: length ${length} < 2] (invalid)`);
      return;
    }
    length -= 2;
    const prefix = p.u16(off);
    if (prefix !== length) {
      p.out.str(` [prefix length(${prefix}) != length(${length})] (invalid)`);
      return;
    }
    off += 2;
    p.out.str(' ');
  }
  if (length < 12) {
    p.out.str(`domain [length ${length} < 12] (invalid)`);
    return;
  }
  p.need(off, 12);
  const id = p.u16(off);
  const flags = p.u16(off + 2);
  const qd = p.u16(off + 4);
  const an = p.u16(off + 6);
  const ns = p.u16(off + 8);
  const ar = p.u16(off + 10);
  const opcode = (flags >> 11) & 0xf;
  if (flags & 0x8000) {
    const rcode = (flags & 0xf) | (extendedRcode(p, off, qd, an + ns, ar) << 4);
    p.out.str(`${id}${OPCODES[opcode]}${rcodeText(rcode)}${flags & 0x0400 ? '*' : ''}${flags & 0x0080 ? '' : '-'}${flags & 0x0200 ? '|' : ''}${flags & 0x0020 ? '$' : ''}`);
    if (qd !== 1) p.out.str(` [${qd}q]`);
    // -vv: the question section (q:), then the authority (ns:) and additional (ar:) sections
    const vv = (p.opts.verbose ?? 0) > 1;
    let cp = off + 12;
    for (let i = 0; i < qd; i++) {
      if (i !== 0) p.out.str(',');
      if (vv) {
        p.out.str(' q:');
        cp = questionPrint(p, cp, off, mdns);
        continue;
      }
      const next = skipName(p, cp);
      if (next < 0) throw TRUNCATED;
      cp = next + 4;
    }
    p.out.str(` ${an}/${ns}/${ar}`);
    cp = sectionPrint(p, cp, off, an, mdns, '');
    if (vv) {
      cp = sectionPrint(p, cp, off, ns, mdns, ' ns:');
      sectionPrint(p, cp, off, ar, mdns, ' ar:');
    }
  } else {
    p.out.str(`${id}${OPCODES[opcode]}${flags & 0x0100 ? '+' : ''}${flags & 0x0010 ? '%' : ''}`);
    if (flags & 0x6cf) p.out.str(` [b2&3=0x${flags.toString(16)}]`);
    if (opcode === 1) {
      if (qd) p.out.str(` [${qd}q]`);
      if (an !== 1) p.out.str(` [${an}a]`);
    } else {
      if (an) p.out.str(` [${an}a]`);
      if (qd !== 1) p.out.str(` [${qd}q]`);
    }
    if (ns) p.out.str(` [${ns}n]`);
    if (ar) p.out.str(` [${ar}au]`);
    let cp = off + 12;
    let left = qd;
    if (left) {
      cp = questionPrint(p, cp, off, mdns);
      left--;
      while (cp < p.end && left) {
        cp = questionPrint(p, cp, off, mdns);
        left--;
      }
    }
    if (left) throw TRUNCATED;
    if ((p.opts.verbose ?? 0) > 1) {
      cp = sectionPrint(p, cp, off, an, mdns, '');
      cp = sectionPrint(p, cp, off, ns, mdns, ' ns:');
      sectionPrint(p, cp, off, ar, mdns, ' ar:');
    }
  }
  p.out.str(` (${length})`);
}

/** `count` records, comma separated, after `label` (printed only when the section has a first record within the capture) */
function sectionPrint(p: Packet, cp: number, msg: number, count: number, mdns: boolean, label: string): number {
  if (count === 0) return cp;
  if (label) {
    if (cp >= p.end) throw TRUNCATED;
    p.out.str(label);
  }
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (cp >= p.end) throw TRUNCATED;
      p.out.str(',');
    }
    cp = recordPrint(p, cp, msg, mdns);
    if (cp < 0) throw TRUNCATED;
  }
  return cp;
}

/** The upper bits of the rcode from an OPT record, found the way tcpdump looks for it. */
function extendedRcode(p: Packet, msg: number, qd: number, anNs: number, ar: number): number {
  let cp = msg + 12;
  const end = p.end;
  for (let i = 0; i < qd; i++) {
    cp = skipName(p, cp);
    if (cp < 0) return 0;
    cp += 4;
    if (cp >= end) return 0;
  }
  for (let i = 0; i < anNs; i++) {
    cp = skipName(p, cp);
    if (cp < 0) return 0;
    cp += 8;
    if (cp + 2 > end) return 0;
    cp += 2 + p.u16(cp);
    if (cp >= end) return 0;
  }
  for (let i = 0; i < ar; i++) {
    cp = skipName(p, cp);
    if (cp < 0 || cp + 2 > end) return 0;
    const type = p.u16(cp);
    cp += 4;
    if (cp + 1 > end) return 0;
    if (type === T_OPT) return p.buf[cp]!;
    cp += 4;
    if (cp + 2 > end) return 0;
    cp += 2 + p.u16(cp);
    if (cp >= end) return 0;
  }
  return 0;
}

/** past a (possibly compressed) name; -1 when it runs out of captured bytes or is malformed */
function skipName(p: Packet, cp: number): number {
  if (cp >= p.end) return -1;
  let i = p.buf[cp++]!;
  while (i) {
    const kind = i & INDIRECT;
    if (kind === INDIRECT) return cp + 1;
    if (kind !== 0) return -1;
    cp += i;
    if (cp >= p.end) return -1;
    i = p.buf[cp++]!;
  }
  return cp;
}

function questionPrint(p: Packet, cp: number, msg: number, mdns: boolean): number {
  const afterName = skipName(p, cp);
  if (afterName < 0 || !p.has(afterName, 4)) throw TRUNCATED;
  const type = p.u16(afterName);
  const rawClass = p.u16(afterName + 2);
  const cls = mdns ? rawClass & 0x7fff : rawClass;
  p.out.str(` ${dnsTypeName(type)}`);
  if (cls !== CLASS_IN) p.out.str(` ${dnsClassName(cls)}`);
  if (mdns) p.out.str(rawClass & 0x8000 ? ' (QU)' : ' (QM)');
  p.out.str('? ');
  namePrint(p, cp, msg);
  return afterName + 4;
}

/** One answer record; returns the offset after it, or -1 when truncated (tcpdump: [|domain]). */
function recordPrint(p: Packet, cp: number, msg: number, mdns: boolean): number {
  // -v: the owner name in front (ns_rprint)
  if (p.opts.verbose) {
    p.out.ch(0x20);
    namePrint(p, cp, msg);
  }
  cp = skipName(p, cp);
  if (cp < 0 || !p.has(cp, 10)) return p.end;
  const type = p.u16(cp);
  const rawClass = p.u16(cp + 2);
  const cls = mdns ? rawClass & 0x7fff : rawClass;
  if (cls !== CLASS_IN && type !== T_OPT) p.out.str(` ${dnsClassName(cls)}`);
  if (mdns && rawClass & 0x8000) p.out.str(' (Cache flush)');
  // -vvv: the TTL as tcpdump's unsigned_relts_print (OPT has flags there)
  if (type !== T_OPT && (p.opts.verbose ?? 0) > 2) p.out.str(` [${relativeTime(p.u32(cp + 4))}]`);
  const rdlen = p.u16(cp + 8);
  const rd = cp + 10;
  const next = rd + rdlen;
  p.out.str(` ${dnsTypeName(type)}`);
  if (next > p.end) return -1;
  switch (type) {
    case 1:
      p.out.str(` ${ipv4String(p.buf, rd)}`);
      break;
    case 28:
      p.out.str(` ${ipv6String(p.buf, rd)}`);
      break;
    case 2:
    case 5:
    case 12:
    case 39:
      p.out.str(' ');
      namePrint(p, rd, msg);
      break;
    case 15:
      p.out.str(' ');
      namePrint(p, rd + 2, msg);
      p.out.str(` ${p.u16(rd)}`);
      break;
    case 33:
      p.out.str(' ');
      namePrint(p, rd + 6, msg);
      p.out.str(`:${p.u16(rd + 4)} ${p.u16(rd)} ${p.u16(rd + 2)}`);
      break;
    case 16:
      for (let c = rd; c < next; ) {
        const n = p.u8(c);
        p.need(c + 1, n);
        p.out.str(` "${printable(p.buf, c + 1, n)}"`);
        c += 1 + n;
      }
      break;
    case 6:
      if (p.opts.verbose) soaPrint(p, rd, msg);
      break;
    case 256:
      if (rdlen < 4) return -1;
      p.out.str(` ${p.u16(rd)} ${p.u16(rd + 2)} ${printable(p.buf, rd + 4, rdlen - 4)}`);
      break;
    case T_OPT:
      p.out.str(` UDPsize=${rawClass}`);
      if (p.u16(cp + 6) & 0x8000) p.out.str(' DO');
      if (rdlen > 0 && ednsOptionsPrint(p, rd, next, namePrint) < 0) return -1;
      break;
  }
  return next;
}

/** -v: `mname rname serial refresh retry expire minimum` */
function soaPrint(p: Packet, rd: number, msg: number): void {
  p.out.ch(0x20);
  namePrint(p, rd, msg);
  let cp = skipName(p, rd);
  if (cp < 0) throw TRUNCATED;
  p.out.ch(0x20);
  namePrint(p, cp, msg);
  cp = skipName(p, cp);
  if (cp < 0) throw TRUNCATED;
  p.need(cp, 20);
  for (let i = 0; i < 5; i++) p.out.str(` ${p.u32(cp + 4 * i)}`);
}

const UNITS = ['y', 'w', 'd', 'h', 'm', 's'];
const UNIT_SECONDS = [31536000, 604800, 86400, 3600, 60, 1];

/** 1d2h3m4s, as tcpdump's unsigned_relts_print */
export function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  let s = '';
  for (let i = 0; i < UNITS.length && secs > 0; i++) {
    if (secs >= UNIT_SECONDS[i]!) {
      s += `${Math.floor(secs / UNIT_SECONDS[i]!)}${UNITS[i]}`;
      secs %= UNIT_SECONDS[i]!;
    }
  }
  return s;
}

/** fqdn_print for other printers (ICMPv6 DNSSL): the name at `cp`, compression relative to `msg`; the offset after it */
export function dnsNamePrint(p: Packet, cp: number, msg: number): number {
  namePrint(p, cp, msg);
  const next = skipName(p, cp);
  if (next < 0) throw TRUNCATED;
  return next;
}

/** A domain name with compression, as tcpdump's fqdn_print (root is `.`). */
function namePrint(p: Packet, cp: number, msg: number): void {
  let maxOffset = cp - msg;
  let i = p.u8(cp++);
  if (i === 0) {
    p.out.str('.');
    return;
  }
  let chars = 0;
  while (i && cp < p.end) {
    if ((i & INDIRECT) === INDIRECT) {
      const offset = ((i << 8) | p.u8(cp)) & 0x3fff;
      if (offset >= maxOffset) {
        p.out.str('<BAD PTR>');
        throw TRUNCATED;
      }
      maxOffset = offset;
      cp = msg + offset;
      i = p.u8(cp++);
      continue;
    }
    if (i & INDIRECT) {
      p.out.str(`<ELT ${i & 0x3f}>`);
      throw TRUNCATED;
    }
    if (chars + i <= 255) {
      p.need(cp, i);
      p.out.str(printable(p.buf, cp, i));
    } else if (chars < 255) {
      p.need(cp, 255 - chars);
      p.out.str(printable(p.buf, cp, 255 - chars));
    }
    chars += i;
    cp += i;
    if (chars <= 255) p.out.str('.');
    chars++;
    i = p.u8(cp++);
  }
  if (chars > 255) p.out.str('<DOMAIN NAME TOO LONG>');
}
