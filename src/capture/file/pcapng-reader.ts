import { UsageError } from '../../netcore/errors.js';
import { ChunkedFile, u16, u32 } from './chunked-file.js';
import type { RecordHandler } from './pcap-file.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OBSOLETE_PB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const BLOCK_MIN = 12;
const MICROS = 1_000_000;

interface Interface {
  linkType: number;
  /** 0: no limit */
  snaplen: number;
  /** timestamp units per second (if_tsresol; 10^6 by default) */
  unitsPerSecond: bigint;
  /** seconds added to every timestamp (if_tsoffset) */
  offsetSeconds: number;
}

/**
 * Reads pcapng files (from tsdiag --pcapng, dumpcap, tshark, tcpdump):
 * sections in either byte order, interface blocks with their link type,
 * snap length, if_tsresol and if_tsoffset, and packets from enhanced, simple
 * and obsolete packet blocks; other blocks are skipped. Timestamps come out
 * in microseconds as libpcap gives them to tcpdump (the fraction cut, not
 * rounded). Each record carries the link type of its interface.
 */
export class PcapngReader {
  private big = false;
  private interfaces: Interface[] = [];
  private blockNo = 0;
  private sec = 0;
  private usec = 0;

  private constructor(private readonly file: ChunkedFile) {
    if (!file.ensure(BLOCK_MIN) || u32(file.chunk, 0, false) !== SHB) throw new UsageError(`${file.path}: not a pcapng file`);
  }

  static from(file: ChunkedFile): PcapngReader {
    return file.readerOrClose((f) => new PcapngReader(f));
  }

  /** the link type of the first interface (0 before one is known) */
  get linkType(): number {
    return this.interfaces[0]?.linkType ?? 0;
  }

  /** the snap length of the first interface (0: none, or none known yet) */
  get snaplen(): number {
    return this.interfaces[0]?.snaplen ?? 0;
  }

  close(): void {
    this.file.close();
  }

  /** calls `onRecord` for up to `max` packets; false when the file is done */
  read(onRecord: RecordHandler, max: number): boolean {
    const f = this.file;
    for (let n = 0; n < max; ) {
      if (f.available < 8 && !f.ensure(8)) {
        if (f.available === 0) return false;
        throw this.broken(`its header has ${f.available} of 8 bytes`);
      }
      const type = u32(f.chunk, f.pos, this.big);
      if (type === SHB) this.byteOrder();
      const total = u32(f.chunk, f.pos + 4, this.big);
      if (total < BLOCK_MIN || total % 4 !== 0) throw this.broken(`its length ${total} is not a multiple of 4 of at least ${BLOCK_MIN}`);
      if (!f.ensure(total)) throw this.broken(`it needs ${total} bytes, the file has ${f.available}`);
      const c = f.chunk;
      const b = f.pos;
      let iface: Interface | null = null;
      let data = 0;
      let caplen = 0;
      let wireLen = 0;
      switch (type) {
        case SHB:
          this.interfaces = [];
          break;
        case IDB:
          this.interfaces.push(this.interfaceBlock(c, b, total));
          break;
        case EPB:
        case OBSOLETE_PB: {
          if (total < 32) throw this.broken(`a packet block of ${total} bytes is too short`);
          iface = this.interfaceOf(type === EPB ? u32(c, b + 8, this.big) : u16(c, b + 8, this.big));
          caplen = u32(c, b + 20, this.big);
          if (28 + caplen > total - 4) throw this.broken(`its captured length ${caplen} does not fit in ${total} bytes`);
          wireLen = u32(c, b + 24, this.big);
          data = b + 28;
          this.timestamp(iface, u32(c, b + 12, this.big), u32(c, b + 16, this.big));
          break;
        }
        case SPB: {
          if (total < 16) throw this.broken(`a simple packet block of ${total} bytes is too short`);
          iface = this.interfaceOf(0);
          wireLen = u32(c, b + 8, this.big);
          caplen = Math.min(wireLen, total - 16);
          if (iface.snaplen && caplen > iface.snaplen) caplen = iface.snaplen;
          data = b + 12;
          // no timestamp in a simple packet block: libpcap gives 0
          this.sec = 0;
          this.usec = 0;
          break;
        }
      }
      f.pos += total;
      this.blockNo++;
      if (iface) {
        onRecord(c, data, caplen, wireLen, this.sec, this.usec, iface.linkType);
        n++;
      }
    }
    return true;
  }

  /** the packet time in microseconds into sec and usec */
  private timestamp(iface: Interface, hi: number, lo: number): void {
    if (iface.unitsPerSecond === 1_000_000n) {
      const t = hi * 2 ** 32 + lo;
      this.sec = Math.floor(t / MICROS);
      this.usec = t - this.sec * MICROS;
    } else {
      const t = (BigInt(hi) << 32n) | BigInt(lo);
      this.sec = Number(t / iface.unitsPerSecond);
      this.usec = Number(((t % iface.unitsPerSecond) * 1_000_000n) / iface.unitsPerSecond);
    }
    this.sec += iface.offsetSeconds;
  }

  /** a section header: its byte-order magic says how to read this section */
  private byteOrder(): void {
    const f = this.file;
    if (!f.ensure(BLOCK_MIN)) throw this.broken(`a section header needs ${BLOCK_MIN} bytes, the file has ${f.available}`);
    const bom = u32(f.chunk, f.pos + 8, false);
    if (bom === BYTE_ORDER_MAGIC) this.big = false;
    else if (u32(f.chunk, f.pos + 8, true) === BYTE_ORDER_MAGIC) this.big = true;
    else throw this.broken(`byte-order magic 0x${bom.toString(16).padStart(8, '0')} is wrong`);
    const major = u16(f.chunk, f.pos + 12, this.big);
    if (major !== 1) throw new UsageError(`${f.path}: pcapng version ${major} is not supported`);
  }

  private interfaceBlock(c: Buffer, b: number, total: number): Interface {
    if (total < 20) throw this.broken(`an interface block of ${total} bytes is too short`);
    const iface: Interface = { linkType: u16(c, b + 8, this.big), snaplen: u32(c, b + 12, this.big), unitsPerSecond: 1_000_000n, offsetSeconds: 0 };
    const end = b + total - 4;
    for (let o = b + 16; o + 4 <= end; ) {
      const code = u16(c, o, this.big);
      const len = u16(c, o + 2, this.big);
      if (code === OPT_END) break;
      if (o + 4 + len > end) throw this.broken(`option ${code} runs past the block`);
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const r = c[o + 4]!;
        iface.unitsPerSecond = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        iface.offsetSeconds = Number(this.big ? c.readBigInt64BE(o + 4) : c.readBigInt64LE(o + 4));
      }
      o += 4 + ((len + 3) & ~3);
    }
    return iface;
  }

  private interfaceOf(id: number): Interface {
    const iface = this.interfaces[id];
    if (!iface) throw this.broken(`a packet arrived on interface ${id}, but there's no Interface Description Block for that interface`);
    return iface;
  }

  private broken(why: string): UsageError {
    return new UsageError(`${this.file.path}: block ${this.blockNo + 1} at byte ${this.file.offset} is broken: ${why}`);
  }
}
