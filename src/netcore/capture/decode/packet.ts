/**
 * The state of one line being printed: the captured bytes, how far they go,
 * the text so far and the protocol being read (for tcpdump's `[|proto]`
 * truncation marker). Reads past the captured bytes throw TRUNCATED, which
 * the printer turns into the marker, as tcpdump's longjmp does.
 */
import { TcpSequences } from './tcp-seq.js';

export const TRUNCATED = Symbol('truncated');
/** thrown when the decoder already printed its own truncation marker */
export const TRUNCATED_DONE = Symbol('truncated, marker printed');

export interface DecodeOptions {
  /** -e: print the link-layer header */
  linkHeader: boolean;
  /** --names: address -> container name, printed as `addr(name)` */
  names: ReadonlyMap<string, string> | null;
}

export class Packet {
  buf: Buffer = Buffer.alloc(0);
  /** index just past the captured bytes */
  end = 0;
  out = '';
  proto = '';
  /** relative TCP sequence numbers live as long as the printing session */
  readonly tcpSequences = new TcpSequences();

  constructor(readonly opts: DecodeOptions) {}

  reset(buf: Buffer, start: number, caplen: number): void {
    this.buf = buf;
    this.end = start + caplen;
    this.out = '';
    this.proto = '';
  }

  has(off: number, n: number): boolean {
    return off + n <= this.end;
  }

  need(off: number, n: number): void {
    if (off + n > this.end) throw TRUNCATED;
  }

  u8(off: number): number {
    if (off >= this.end) throw TRUNCATED;
    return this.buf[off]!;
  }

  u16(off: number): number {
    if (off + 2 > this.end) throw TRUNCATED;
    return (this.buf[off]! << 8) | this.buf[off + 1]!;
  }

  u24(off: number): number {
    if (off + 3 > this.end) throw TRUNCATED;
    return (this.buf[off]! << 16) | (this.buf[off + 1]! << 8) | this.buf[off + 2]!;
  }

  u32(off: number): number {
    if (off + 4 > this.end) throw TRUNCATED;
    return this.buf.readUInt32BE(off);
  }

  /** tcpdump's default printer for payloads it does not decode: tab-indented hex, 16 bytes a line */
  hexDump(off: number, len: number): void {
    const n = Math.min(len, this.end - off);
    let s = '';
    for (let i = 0; i < n; i += 2) {
      if (i % 16 === 0) s += `\n\t0x${i.toString(16).padStart(4, '0')}: `;
      s += i + 1 < n ? ` ${hex2(this.buf[off + i]!)}${hex2(this.buf[off + i + 1]!)}` : ` ${hex2(this.buf[off + i]!)}`;
    }
    this.out += s;
  }
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function hex2(b: number): string {
  return HEX2[b]!;
}

export function macString(buf: Buffer, off: number): string {
  return `${HEX2[buf[off]!]}:${HEX2[buf[off + 1]!]}:${HEX2[buf[off + 2]!]}:${HEX2[buf[off + 3]!]}:${HEX2[buf[off + 4]!]}:${HEX2[buf[off + 5]!]}`;
}
