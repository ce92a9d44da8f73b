/**
 * The state of one line being printed: the captured bytes, how far they go,
 * the text so far and the protocol being read (for tcpdump's `[|proto]`
 * truncation marker). Reads past the captured bytes throw TRUNCATED, which
 * the printer turns into the marker, as tcpdump's longjmp does.
 */
import { LineText } from './line-text.js';
import { TcpSequences } from './tcp-seq.js';

export const TRUNCATED = Symbol('truncated');
/** thrown when the decoder already printed its own truncation marker */
export const TRUNCATED_DONE = Symbol('truncated, marker printed');

export interface DecodeOptions {
  /** -e: print the link-layer header */
  linkHeader: boolean;
  /** --names: address -> container name, printed as `addr(name)` */
  names: ReadonlyMap<string, string> | null;
  /** -v: IPv4 header fields, TCP and ICMP checksums, ARP address formats, quoted packets of ICMP errors */
  verbose?: boolean;
  /** the name of a network interface by index, as if_indextoname (LINUX_SLL2 lines start with it) */
  interfaceName?: (index: number) => string | null;
}

export class Packet {
  buf: Buffer = Buffer.alloc(0);
  /** index just past the captured bytes */
  end = 0;
  /** the line being written (the printer hands in where it goes) */
  out = new LineText(64);
  proto = '';
  /** relative TCP sequence numbers live as long as the printing session */
  readonly tcpSequences = new TcpSequences();

  constructor(readonly opts: DecodeOptions) {}

  reset(buf: Buffer, start: number, caplen: number, out: LineText): void {
    this.buf = buf;
    this.end = start + caplen;
    this.out = out;
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
    const b = this.buf;
    return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  }

  /** tcpdump's default printer for payloads it does not decode: tab-indented hex, 16 bytes a line */
  hexDump(off: number, len: number, indent = '\n\t'): void {
    const n = Math.min(len, this.end - off);
    const out = this.out;
    for (let i = 0; i < n; i += 2) {
      if (i % 16 === 0) {
        out.str(indent);
        out.str('0x');
        out.hex(i, 4);
        out.str(': ');
      }
      out.ch(0x20);
      out.hex(this.buf[off + i]!, 2);
      if (i + 1 < n) out.hex(this.buf[off + i + 1]!, 2);
    }
  }
}
