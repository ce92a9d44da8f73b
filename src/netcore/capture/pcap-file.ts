import fs from 'node:fs';
import { UsageError } from '../errors.js';
import { FileSink } from './file-sink.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const PCAPNG_MAGIC = 0x0a0d0d0a;
export const DEFAULT_SNAPLEN = 262144;
const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

export interface PcapFileHeader {
  linkType: number;
  snaplen: number;
  nanos: boolean;
  bigEndian: boolean;
}

/** one record: `buf[off .. off+caplen)` holds the bytes; valid only until the next record is read */
export type RecordHandler = (buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number) => void;

/**
 * Reads a classic pcap file in large chunks, record after record. Any byte
 * order and micro- or nanosecond files (nanoseconds are shown as
 * microseconds, as tcpdump does). A broken file is reported with the number
 * and byte offset of the record where it broke.
 */
export class PcapReader {
  readonly header: PcapFileHeader;
  private chunk: Buffer;
  private pos = 0;
  private filled = 0;
  private fileOffset = 0; // file offset of chunk[0]
  private eof = false;
  private recordNo = 0;

  private constructor(private readonly fd: number, readonly path: string, chunkSize: number) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
    this.fill();
    this.header = this.readFileHeader();
  }

  static open(path: string, chunkSize = 4 << 20): PcapReader {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      throw new UsageError(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message}`);
    }
    try {
      return new PcapReader(fd, path, chunkSize);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** calls `onRecord` for up to `max` records; false when the file is done */
  read(onRecord: RecordHandler, max: number): boolean {
    const big = this.header.bigEndian;
    const nanos = this.header.nanos;
    const limit = Math.max(this.header.snaplen, DEFAULT_SNAPLEN);
    for (let n = 0; n < max; n++) {
      if (this.filled - this.pos < RECORD_HEADER_LEN && !this.ensure(RECORD_HEADER_LEN)) {
        const left = this.filled - this.pos;
        if (left === 0) return false;
        throw this.broken(`its header has ${left} of ${RECORD_HEADER_LEN} bytes`);
      }
      const c = this.chunk;
      const h = this.pos;
      const sec = big ? c.readUInt32BE(h) : c.readUInt32LE(h);
      let usec = big ? c.readUInt32BE(h + 4) : c.readUInt32LE(h + 4);
      const caplen = big ? c.readUInt32BE(h + 8) : c.readUInt32LE(h + 8);
      const wireLen = big ? c.readUInt32BE(h + 12) : c.readUInt32LE(h + 12);
      if (caplen > limit) throw this.broken(`captured length ${caplen} is larger than the maximum ${limit}`);
      if (nanos) usec = Math.floor(usec / 1000);
      if (this.filled - this.pos < RECORD_HEADER_LEN + caplen && !this.ensure(RECORD_HEADER_LEN + caplen)) {
        throw this.broken(`it needs ${caplen} bytes of data, the file has ${this.filled - this.pos - RECORD_HEADER_LEN}`);
      }
      this.recordNo++;
      this.pos += RECORD_HEADER_LEN + caplen;
      onRecord(this.chunk, this.pos - caplen, caplen, wireLen, sec, usec);
    }
    return true;
  }

  private broken(why: string): UsageError {
    return new UsageError(`${this.path}: record ${this.recordNo + 1} at byte ${this.fileOffset + this.pos} is broken: ${why}`);
  }

  private readFileHeader(): PcapFileHeader {
    if (this.filled < FILE_HEADER_LEN) throw new UsageError(`${this.path}: not a pcap file: ${this.filled} bytes, shorter than a pcap header`);
    const magicLE = this.chunk.readUInt32LE(0);
    const magicBE = this.chunk.readUInt32BE(0);
    let bigEndian: boolean;
    let magic: number;
    if (magicLE === PCAP_MAGIC_MICROS || magicLE === PCAP_MAGIC_NANOS) {
      bigEndian = false;
      magic = magicLE;
    } else if (magicBE === PCAP_MAGIC_MICROS || magicBE === PCAP_MAGIC_NANOS) {
      bigEndian = true;
      magic = magicBE;
    } else if (magicLE === PCAPNG_MAGIC) {
      throw new UsageError(`${this.path}: a pcapng file; -r reads classic pcap files (tcpdump -r and tshark -r read pcapng)`);
    } else {
      throw new UsageError(`${this.path}: not a pcap file (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
    }
    const u32 = (o: number) => (bigEndian ? this.chunk.readUInt32BE(o) : this.chunk.readUInt32LE(o));
    const major = bigEndian ? this.chunk.readUInt16BE(4) : this.chunk.readUInt16LE(4);
    if (major !== 2) throw new UsageError(`${this.path}: pcap version ${major} is not supported`);
    this.pos = FILE_HEADER_LEN;
    return { linkType: u32(20) & 0x0fffffff, snaplen: u32(16), nanos: magic === PCAP_MAGIC_NANOS, bigEndian };
  }

  /** makes `n` bytes available at pos; false at the end of the file */
  private ensure(n: number): boolean {
    while (this.filled - this.pos < n) {
      if (this.eof) return false;
      if (this.pos > 0) {
        this.chunk.copy(this.chunk, 0, this.pos, this.filled);
        this.fileOffset += this.pos;
        this.filled -= this.pos;
        this.pos = 0;
      }
      if (n > this.chunk.length) {
        const bigger = Buffer.allocUnsafe(n * 2);
        this.chunk.copy(bigger, 0, 0, this.filled);
        this.chunk = bigger;
      }
      this.fill();
    }
    return true;
  }

  private fill(): void {
    const got = fs.readSync(this.fd, this.chunk, this.filled, this.chunk.length - this.filled, this.fileOffset + this.filled);
    if (got === 0) this.eof = true;
    this.filled += got;
  }
}

/** Writes a classic pcap file: magic a1b2c3d4, microseconds, little-endian, the interface's link type. */
export class PcapWriter {
  private readonly sink: FileSink;
  records = 0;

  constructor(path: string, linkType: number, snaplen = DEFAULT_SNAPLEN) {
    this.sink = new FileSink(path);
    const b = this.sink.reserve(FILE_HEADER_LEN);
    const o = this.sink.offset;
    b.writeUInt32LE(PCAP_MAGIC_MICROS, o);
    b.writeUInt16LE(2, o + 4);
    b.writeUInt16LE(4, o + 6);
    b.writeInt32LE(0, o + 8);
    b.writeUInt32LE(0, o + 12);
    b.writeUInt32LE(snaplen, o + 16);
    b.writeUInt32LE(linkType, o + 20);
    this.sink.commit(FILE_HEADER_LEN);
  }

  write(data: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number): void {
    const b = this.sink.reserve(RECORD_HEADER_LEN + caplen);
    const o = this.sink.offset;
    b.writeUInt32LE(sec, o);
    b.writeUInt32LE(usec, o + 4);
    b.writeUInt32LE(caplen, o + 8);
    b.writeUInt32LE(wireLen, o + 12);
    data.copy(b, o + RECORD_HEADER_LEN, off, off + caplen);
    this.sink.commit(RECORD_HEADER_LEN + caplen);
    this.records++;
  }

  flush(): void {
    this.sink.flush();
  }

  close(): void {
    this.sink.close();
  }
}
