import { ipv4String } from './addr.js';
import { TRUNCATED, type Packet } from './packet.js';
import { printCounted, printNulTerminated } from './printable.js';

/**
 * BOOTP/DHCP (udp 67/68) as tcpdump 4.99's bootp_print: the op and length;
 * with -v the header fields and the RFC 1048 options, one line each.
 */

/** tag2str: the first letter is the format (i addresses, p address pairs, l/L 32-bit, s 16-bit, b bytes, B booleans, a text, $ special, ? unknown) */
const TAGS: Record<number, string> = { 0: ' PAD', 1: 'iSubnet-Mask', 2: 'LTime-Zone', 3: 'iDefault-Gateway', 4: 'iTime-Server', 5: 'iIEN-Name-Server', 6: 'iDomain-Name-Server', 7: 'iLOG', 8: 'iCS', 9: 'iLPR-Server', 10: 'iIM', 11: 'iRL', 12: 'aHostname', 13: 'sBS', 255: ' END', 14: 'aDP', 15: 'aDomain-Name', 16: 'iSS', 17: 'aRP', 18: 'aEP', 19: 'BIPF', 20: 'BSRT', 21: 'pPF', 22: 'sRSZ', 23: 'bTTL', 24: 'lMTU-Timeout', 25: 'sMTU-Table', 26: 'sMTU', 27: 'BLSN', 28: 'iBR', 29: 'BMD', 30: 'BMS', 31: 'BRouter-Discovery', 32: 'iRSA', 33: 'pStatic-Route', 34: 'BUT', 35: 'lAT', 36: 'BIE', 37: 'bTT', 38: 'lKI', 39: 'BKG', 40: 'aYD', 41: 'iYS', 42: 'iNTP', 43: 'bVendor-Option', 44: 'iNetbios-Name-Server', 45: 'iWDD', 46: '$Netbios-Node', 47: 'aNetbios-Scope', 48: 'iXFS', 49: 'iXDM', 64: 'sN+D', 65: 'iN+S', 68: 'iMH', 69: 'iSMTP', 70: 'iPOP3', 71: 'iNNTP', 72: 'iWWW', 73: 'iFG', 74: 'iIRC', 75: 'iSTS', 76: 'iSTDA', 50: 'iRequested-IP', 51: 'lLease-Time', 52: '$OO', 66: 'aTFTP', 67: 'aBF', 53: ' DHCP-Message', 54: 'iServer-ID', 55: 'bParameter-Request', 56: 'aMSG', 57: 'sMSZ', 58: 'lRN', 59: 'lRB', 60: 'aVendor-Class', 61: '$Client-ID', 98: 'aUAP', 116: 'BNOAUTO', 78: 'bSLP-DA', 79: 'bSLP-SCOPE', 117: 'sNSSEARCH', 77: '$User-Class', 118: 'iSUBNET', 121: '$Classless-Static-Route', 249: '$Classless-Static-Route-Microsoft', 150: 'iTFTP-Server-Address', 80: 'aSLP-NA', 81: '$FQDN', 82: '$Agent-Information', 83: 'bARMT', 88: 'aTZSTR', 89: 'bFQDNS', 90: 'bAUTH', 91: 'LLast-Transaction-Time', 92: 'iAssociated-IP', 93: 'sARCH', 94: 'bNDI', 97: 'bGUID', 95: 'aLDAP', 100: 'aPOSIX-TZ', 101: 'aTZ-Name', 112: 'iNI', 113: 'aNITAG', 114: 'aURL', 161: 'aMUD-URL' };
const DHCP_MESSAGES: Record<number, string> = {
  1: 'Discover', 2: 'Offer', 3: 'Request', 4: 'Decline', 5: 'ACK', 6: 'NACK', 7: 'Release', 8: 'Inform',
  10: 'LeaseQuery', 11: 'LeaseUnassigned', 12: 'LeaseUnknown', 13: 'LeaseActive',
};
const NETBIOS_NODES: Record<number, string> = { 1: 'b-node', 2: 'p-node', 4: 'm-node', 8: 'h-node' };
const OVERLOAD: Record<number, string> = { 1: 'file', 2: 'sname', 3: 'file+sname' };
const HARDWARE_TYPES: Record<number, string> = { 1: 'ether', 6: 'ieee802', 7: 'arcnet', 15: 'frelay', 23: 'strip', 24: 'ieee1394' };
const AGENT_SUBOPTIONS: Record<number, string> = { 1: 'Circuit-ID', 2: 'Remote-ID', 6: 'Subscriber-ID' };
const TAG_PAD = 0;
const TAG_END = 255;
const VENDOR = 236;

export function bootpPrint(p: Packet, off: number, length: number): void {
  p.proto = 'bootp';
  const out = p.out;
  const op = p.u8(off);
  out.str(`BOOTP/DHCP, ${op === 1 ? 'Request' : op === 2 ? 'Reply' : `unknown (0x${op.toString(16).padStart(2, '0')})`}`);
  const htype = p.u8(off + 1);
  const hlen = p.u8(off + 2);
  const ethernet = htype === 1 && hlen === 6;
  if (ethernet && op === 1) {
    p.need(off + 28, 6);
    out.str(' from ');
    out.mac(p.buf, off + 28);
  }
  out.str(`, length ${length}`);
  const verbose = p.opts.verbose ?? 0;
  if (!verbose) return;
  p.need(off + 8, 2);
  if (htype !== 1) out.str(`, htype ${htype}`);
  if (!ethernet) out.str(`, hlen ${hlen}`);
  const hops = p.u8(off + 3);
  if (hops) out.str(`, hops ${hops}`);
  const xid = p.u32(off + 4);
  if (xid) out.str(`, xid 0x${xid.toString(16)}`);
  const secs = p.u16(off + 8);
  if (secs) out.str(`, secs ${secs}`);
  const flags = p.u16(off + 10);
  out.str(`, Flags [${flags & 0x8000 ? 'Broadcast' : 'none'}]`);
  if (verbose > 1) {
    out.str(' (0x');
    out.hex(flags, 4);
    out.ch(0x29);
  }
  for (const [at, name] of [[12, 'Client-IP'], [16, 'Your-IP'], [20, 'Server-IP'], [24, 'Gateway-IP']] as const) {
    if (p.u32(off + at)) out.str(`\n\t  ${name} ${ipv4String(p.buf, off + at)}`);
  }
  if (ethernet) {
    p.need(off + 28, 6);
    out.str('\n\t  Client-Ethernet-Address ');
    out.mac(p.buf, off + 28);
  }
  for (const [at, size, name] of [[44, 64, 'sname'], [108, 128, 'file']] as const) {
    if (!p.u8(off + at)) continue;
    out.str(`\n\t  ${name} "`);
    const whole = printNulTerminated(p, off + at, size);
    out.ch(0x22);
    if (!whole) throw TRUNCATED;
  }
  const vendor = off + VENDOR;
  const magic = p.u32(vendor);
  if (magic === 0x63825363) rfc1048Print(p, vendor, verbose);
  else if (magic === 0x63636d75) cmuPrint(p, vendor);
  else if (magic !== 0) out.str(`\n\t  Vendor-#0x${magic.toString(16)}`);
}

/** the CMU vendor area: its flags byte (the first of a 32-bit field) and the addresses set */
function cmuPrint(p: Packet, v: number): void {
  const out = p.out;
  out.str(' vend-cmu');
  p.need(v + 4, 4);
  const flags = p.buf[v + 4]!;
  if (flags & ~1) out.str(` F:0x${flags.toString(16)}`);
  const fields: [number, string][] = [[12, 'DG'], [8, flags & 1 ? 'SM' : 'SM*'], [16, 'NS1'], [20, 'NS2'], [24, 'IEN1'], [28, 'IEN2'], [32, 'TS1'], [36, 'TS2']];
  for (const [at, name] of fields) if (p.u32(v + at)) out.str(` ${name}:${ipv4String(p.buf, v + at)}`);
}

function rfc1048Print(p: Packet, bp: number, verbose: number): void {
  const out = p.out;
  out.str('\n\t  Vendor-rfc1048 Extensions\n\t    Magic Cookie 0x');
  out.hex(p.u32(bp), 8);
  bp += 4;
  while (bp < p.end) {
    const tag = p.buf[bp++]!;
    // -vvv: PAD and END too
    if (tag === TAG_PAD && verbose < 3) continue;
    if (tag === TAG_END && verbose < 3) return;
    const entry = TAGS[tag] ?? '?Unknown';
    let format = entry[0]!;
    const name = entry.slice(1);
    let len = 0;
    if (tag !== TAG_PAD && tag !== TAG_END) len = p.u8(bp++);
    out.str(`\n\t    ${name} (${tag}), length ${len}${len > 0 ? ': ' : ''}`);
    if (tag === TAG_PAD && verbose > 2) {
      let pads = 1;
      while (bp < p.end && p.buf[bp] === TAG_PAD) {
        bp++;
        pads++;
      }
      if (pads > 1) out.str(`, occurs ${pads}`);
    }
    p.need(bp, len);
    if (tag === 53 && len === 1) {
      const m = p.buf[bp++]!;
      out.str(DHCP_MESSAGES[m] ?? `Unknown (${m})`);
      continue;
    }
    if (tag === 55) {
      for (let i = 0; i < len; i++) {
        const inner = p.buf[bp + i]!;
        out.str(i % 4 === 0 ? '\n\t      ' : ', ');
        out.str(`${(TAGS[inner] ?? '?Unknown').slice(1)} (${inner})`);
      }
      bp += len;
      continue;
    }
    if (format === '?') format = len & 1 ? 'b' : len & 2 ? 's' : 'l';
    const left = optionPrint(p, format, tag, bp, len);
    bp += len;
    if (left) out.str(`\n\t  trailing data length ${left}`);
  }
}

/** one option's data; the bytes its format leaves over */
function optionPrint(p: Packet, format: string, tag: number, bp: number, len: number): number {
  const out = p.out;
  const end = bp + len;
  let first = true;
  const comma = (sep = ',') => {
    if (!first) out.str(sep);
    first = false;
  };
  switch (format) {
    case 'a':
      quoted(p, bp, len);
      return 0;
    case 'i':
    case 'l':
    case 'L':
      for (; end - bp >= 4; bp += 4) {
        comma();
        if (format === 'i') out.str(ipv4String(p.buf, bp));
        else out.str(String(format === 'L' ? p.buf.readInt32BE(bp) : p.u32(bp)));
      }
      return end - bp;
    case 'p':
      for (; end - bp >= 8; bp += 8) {
        comma();
        out.str(`(${ipv4String(p.buf, bp)}:${ipv4String(p.buf, bp + 4)})`);
      }
      return end - bp;
    case 's':
      for (; end - bp >= 2; bp += 2) {
        comma();
        out.str(String(p.u16(bp)));
      }
      return end - bp;
    case 'B':
      for (; bp < end; bp++) {
        comma();
        const v = p.buf[bp]!;
        out.str(v === 0 ? 'N' : v === 1 ? 'Y' : `${v}?`);
      }
      return 0;
    case '$':
      return specialPrint(p, tag, bp, len);
    default:
      for (; bp < end; bp++) {
        comma(format === 'x' ? ':' : '.');
        if (format === 'x') out.hex(p.buf[bp]!, 2);
        else out.dec(p.buf[bp]!);
      }
      return 0;
  }
}

function quoted(p: Packet, bp: number, len: number): void {
  p.out.ch(0x22);
  const cut = printCounted(p, bp, len);
  p.out.ch(0x22);
  if (cut) throw TRUNCATED;
}

/** the options tcpdump decodes with code of their own */
function specialPrint(p: Packet, tag: number, bp: number, len: number): number {
  const out = p.out;
  const end = bp + len;
  switch (tag) {
    case 46:
    case 52:
      if (len < 1) {
        out.str('[ERROR: length < 1 bytes]');
        return 0;
      }
      out.str((tag === 46 ? NETBIOS_NODES : OVERLOAD)[p.buf[bp]!] ?? '#' + p.buf[bp]);
      return len - 1;
    case 81: {
      if (len < 3) {
        out.str('[ERROR: length < 3 bytes]');
        return 0;
      }
      const flags = p.buf[bp]!;
      if (flags & 0xf0) out.str(`[ERROR: MBZ nibble 0x${((flags & 0xf0) >> 4).toString(16)} != 0] `);
      if (flags & 0x0f) out.str(`[${flags & 1 ? 'S' : ''}${flags & 2 ? 'O' : ''}${flags & 4 ? 'E' : ''}${flags & 8 ? 'N' : ''}] `);
      if (p.buf[bp + 1] || p.buf[bp + 2]) out.str(`${p.buf[bp + 1]}/${p.buf[bp + 2]} `);
      quoted(p, bp + 3, len - 3);
      return 0;
    }
    case 61: {
      if (len < 1) {
        out.str('[ERROR: length < 1 bytes]');
        return 0;
      }
      const type = p.buf[bp]!;
      if (type === 0) {
        quoted(p, bp + 1, len - 1);
        return 0;
      }
      out.str(`${HARDWARE_TYPES[type] ?? `hardware-type ${type},`} `);
      for (let c = bp + 1; c < end; c++) {
        if (c > bp + 1) out.ch(0x3a);
        out.hex(p.buf[c]!, 2);
      }
      return 0;
    }
    case 82:
      return agentPrint(p, bp, len);
    case 121:
    case 249:
      return classlessRoutesPrint(p, bp, len);
    case 77:
      return userClassPrint(p, bp, len);
    default:
      out.str(`[unknown special tag ${tag}, size ${len}]`);
      return 0;
  }
}

function agentPrint(p: Packet, bp: number, len: number): number {
  const out = p.out;
  while (len >= 2) {
    const sub = p.buf[bp]!;
    const subLen = p.buf[bp + 1]!;
    bp += 2;
    len -= 2;
    const name = AGENT_SUBOPTIONS[sub] ?? 'Unknown';
    if (subLen > len) {
      out.str(`\n\t      ${name} SubOption ${sub}, length ${subLen}: length goes past end of option`);
      return 0;
    }
    out.str(`\n\t      ${name} SubOption ${sub}, length ${subLen}: `);
    if (sub in AGENT_SUBOPTIONS) {
      if (printCounted(p, bp, subLen)) throw TRUNCATED;
    } else p.hexDump(bp, subLen, '\n\t\t');
    len -= subLen;
    bp += subLen;
  }
  return len;
}

function classlessRoutesPrint(p: Packet, bp: number, len: number): number {
  const out = p.out;
  if (len < 5) {
    out.str('[ERROR: length < 5 bytes]');
    return 0;
  }
  for (let first = true; len > 0; first = false) {
    if (!first) out.ch(0x2c);
    const width = p.buf[bp++]!;
    len--;
    if (width > 32) {
      out.str(`[ERROR: Mask width (${width}) > 32]`);
      return 0;
    }
    const octets = Math.floor((width + 7) / 8);
    if (len < octets + 4) {
      out.str(`[ERROR: Remaining length (${len}) < ${octets + 4} bytes]`);
      return 0;
    }
    out.ch(0x28);
    if (width === 0) out.str('default');
    else {
      const parts: number[] = [];
      for (let i = 0; i < 4; i++) parts.push(i < octets ? p.buf[bp + i]! : 0);
      out.str(`${parts.join('.')}/${width}`);
    }
    bp += octets;
    out.str(`:${ipv4String(p.buf, bp)})`);
    bp += 4;
    len -= octets + 4;
  }
  return 0;
}

function userClassPrint(p: Packet, bp: number, len: number): number {
  const out = p.out;
  if (len < 2) {
    out.str('[ERROR: length < 2 bytes]');
    return 0;
  }
  for (let n = 1; len > 0; n++) {
    const subLen = p.buf[bp++]!;
    len--;
    out.str(`\n\t      instance#${n}: `);
    if (subLen === 0) {
      out.str('[ERROR: suboption length must be non-zero]');
      return 0;
    }
    if (len < subLen) {
      out.str('[ERROR: invalid option]');
      return 0;
    }
    quoted(p, bp, subLen);
    out.str(`, length ${subLen}`);
    len -= subLen;
    bp += subLen;
  }
  return 0;
}

