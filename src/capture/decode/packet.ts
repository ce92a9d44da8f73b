/**
 * The state of one line being printed: the captured bytes, how far they go,
 * the text so far and the protocol being read (for tcpdump's `[|proto]`
 * truncation marker). Reads past the captured bytes throw TRUNCATED, which
 * the printer turns into the marker, as tcpdump's longjmp does.
 */
import { writeHex, writeHexAscii } from './hex-dump.js';
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
  /** how many -v (tcpdump's ndo_vflag): 1 IPv4 header fields, checksums, ARP address formats, quoted packets of ICMP errors; 2 and 3 more */
  verbose?: number;
  /** -q: shorter protocol lines (`tcp 18`, `UDP, length 12`, `igmp`, the ethertype by name only) */
  quiet?: boolean;
  /** -S: absolute TCP sequence numbers */
  absoluteSeq?: boolean;
  /** -K: no TCP, UDP or IPv4 header checksums with -v */
  noChecksums?: boolean;
  /** -x/-X: payloads no printer decodes are not dumped (the packet dump follows anyway) */
  suppressDefaultPrint?: boolean;
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

  /** hex with an indent of its own, 16 bytes a line (IPv6 options with -v) */
  hexDump(off: number, len: number, indent = '\n\t'): void {
    writeHex(this.out, this.buf, off, Math.min(len, this.end - off), indent);
  }

  /** tcpdump's default printer for payloads it does not decode (ND_DEFAULTPRINT): hex and ASCII, none with -x/-X */
  defaultPrint(off: number, len: number): void {
    if (!this.opts.suppressDefaultPrint) writeHexAscii(this.out, this.buf, off, Math.min(len, this.end - off));
  }
}
