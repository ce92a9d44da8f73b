import { ipv4String } from './addr.js';
import { TRUNCATED, type Packet } from './packet.js';
import { printCounted } from './printable.js';

/** NTP (udp 123) as tcpdump 4.99's ntp_print: version, mode, length; with -v the time or control message fields. */

const MODES = ['unspecified', 'symmetric active', 'symmetric passive', 'Client', 'Server', 'Broadcast', 'Control Message', 'Reserved'];
const LEAP: Record<number, string> = { 0x00: '', 0x40: '+1s', 0x80: '-1s', 0xc0: 'clock unsynchronized' };
const TIME_MESSAGE = 48;
const CONTROL_MESSAGE = 12;
/** 1970 - 1900 in seconds */
const JAN_1970 = 2208988800;
const TWO_32 = 4294967296;

export function ntpPrint(p: Packet, off: number, length: number): void {
  p.proto = 'ntp';
  const out = p.out;
  const status = p.u8(off);
  const mode = status & 7;
  out.str(`NTPv${(status & 0x38) >> 3}, ${MODES[mode]}, length ${length}`);
  if (!p.opts.verbose) return;
  out.str(`\n\tLeap indicator: ${LEAP[status & 0xc0]} (${status & 0xc0})`);
  if (mode <= 5) timePrint(p, off, length);
  else if (mode === 6) controlPrint(p, off, length);
}

function invalid(p: Packet, off: number, length: number): void {
  p.out.str(' (invalid)');
  p.need(off, length);
}

function timePrint(p: Packet, off: number, length: number): void {
  const out = p.out;
  if (length < TIME_MESSAGE) return invalid(p, off, length);
  const stratum = p.u8(off + 1);
  const stratumName = stratum === 0 ? 'unspecified' : stratum === 1 ? 'primary reference' : stratum >= 2 && stratum <= 15 ? 'secondary reference' : 'reserved';
  out.str(`, Stratum ${stratum} (${stratumName})`);
  const poll = (p.u8(off + 2) << 24) >> 24;
  out.str(`, poll ${poll}`);
  if (poll > -32 && poll < 32) out.str(poll >= 0 ? ` (${2 ** poll}s)` : ` (1/${2 ** -poll}s)`);
  out.str(`, precision ${(p.u8(off + 3) << 24) >> 24}`);
  out.str('\n\tRoot Delay: ');
  shortFixed(p, off + 4);
  out.str(', Root dispersion: ');
  shortFixed(p, off + 8);
  out.str(', Reference-ID: ');
  const refid = off + 12;
  p.need(refid, 4);
  if (stratum === 0) out.str('(unspec)');
  else if (stratum === 1) {
    if (printCounted(p, refid, 4)) throw TRUNCATED;
  } else if (stratum === 62 || stratum === 63) {
    out.str(`${ipv4String(p.buf, refid)} ${stratum === 62 ? 'INFO_QUERY' : 'INFO_REPLY'}`);
    return;
  } else {
    out.str('0x');
    out.hex(p.u32(refid), 8);
  }
  const names = ['Reference Timestamp:  ', 'Originator Timestamp: ', 'Receive Timestamp:    ', 'Transmit Timestamp:   '];
  for (let i = 0; i < 4; i++) {
    p.need(off + 16 + 8 * i, 8);
    out.str(`\n\t  ${names[i]}`);
    ntpTime(p, off + 16 + 8 * i);
  }
  out.str('\n\t    Originator - Receive Timestamp:  ');
  ntpDelta(p, off + 24, off + 32);
  out.str('\n\t    Originator - Transmit Timestamp: ');
  ntpDelta(p, off + 24, off + 40);
  if (length === TIME_MESSAGE + 4) out.str(`\n\tKey id: ${p.u32(off + 48)}`);
  else if (length === TIME_MESSAGE + 20 || length === TIME_MESSAGE + 24) {
    out.str(`\n\tKey id: ${p.u32(off + 48)}`);
    const digest = length - TIME_MESSAGE - 4;
    p.need(off + 52, digest);
    out.str('\n\tAuthentication: ');
    for (let i = 0; i < digest; i += 4) out.hex(p.u32(off + 52 + i), 8);
  } else if (length > TIME_MESSAGE) out.str(`\n\t(${length - TIME_MESSAGE} more bytes after the header)`);
}

function controlPrint(p: Packet, off: number, length: number): void {
  const out = p.out;
  if (length < CONTROL_MESSAGE) return invalid(p, off, length);
  const control = p.u8(off + 1);
  out.str(`, ${control & 0x80 ? 'Response' : 'Request'}, ${control & 0x40 ? 'Error' : 'OK'}, ${control & 0x20 ? 'More' : 'Last'}, OpCode=${control & 0x1f}\n`);
  const status = p.u16(off + 4);
  out.str(`\tSequence=${p.u16(off + 2)}, Status=${status ? `0x${status.toString(16)}` : '0'}, Assoc.=${p.u16(off + 6)}, Offset=${p.u16(off + 8)}`);
  const count = p.u16(off + 10);
  out.str(`, Count=${count}`);
  if (CONTROL_MESSAGE + count > length) return invalid(p, off, length);
  if (count !== 0) {
    p.need(off + CONTROL_MESSAGE, count);
    out.str('\n\tTO-BE-DONE: data not interpreted');
  }
}

/** p_sfix: 16.16 fixed point, the fraction in millionths */
function shortFixed(p: Packet, at: number): void {
  const i = p.u16(at);
  const f = Math.trunc((p.u16(at + 2) / 65536) * 1000000);
  p.out.str(`${i}.${String(f).padStart(6, '0')}`);
}

const billionths = (fraction: number) => String(Math.trunc((fraction / TWO_32) * 1e9)).padStart(9, '0');

/** p_ntp_time: seconds.billionths, and the UTC time (NTP era 0, as tcpdump 4.99) */
export function ntpTime(p: Packet, at: number): void {
  const i = p.u32(at);
  p.out.str(`${i}.${billionths(p.u32(at + 4))}`);
  if (i) p.out.str(` (${new Date((i - JAN_1970) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')})`);
}

/** p_ntp_delta: the signed difference of two timestamps (the later one alone when the first is zero) */
function ntpDelta(p: Packet, older: number, newer: number): void {
  const ou = p.u32(older);
  const ouf = p.u32(older + 4);
  const u = p.u32(newer);
  const uf = p.u32(newer + 4);
  if (ou === 0 && ouf === 0) return ntpTime(p, newer);
  let negative: boolean;
  let i: number;
  let f: number;
  if (u > ou) {
    negative = false;
    i = u - ou - (ouf > uf ? 1 : 0);
    f = (uf - ouf) >>> 0;
  } else if (u < ou) {
    negative = true;
    i = ou - u - (uf > ouf ? 1 : 0);
    f = (ouf - uf) >>> 0;
  } else {
    i = 0;
    negative = !(uf > ouf);
    f = negative ? ouf - uf : uf - ouf;
  }
  p.out.str(`${negative ? '-' : '+'}${i >>> 0}.${billionths(f)}`);
}
