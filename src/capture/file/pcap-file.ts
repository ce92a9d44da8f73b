import { UsageError } from '../../netcore/errors.js';
import { ChunkedFile, u16, u32 } from './chunked-file.js';
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
export type RecordHandler = (buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number, linkType: number) => void;

/**
 * Reads a classic pcap file in large chunks, record after record. Any byte
 * order and micro- or nanosecond files (nanoseconds are shown as
 * microseconds, as tcpdump does). A broken file is reported with the number
 * and byte offset of the record where it broke.
 */
export class PcapReader {
  readonly header: PcapFileHeader;
  private recordNo = 0;

  private constructor(private readonly file: ChunkedFile) {
    this.header = readFileHeader(file);
  }

  /** the file's link type (every record has it) */
  get linkType(): number {
    return this.header.linkType;
  }

  get snaplen(): number {
    return this.header.snaplen;
  }

  static open(path: string): PcapReader {
    return PcapReader.from(ChunkedFile.open(path));
  }

  /** reads an already opened file from its start (closes it when the header is wrong) */
  static from(file: ChunkedFile): PcapReader {
    return file.readerOrClose((f) => new PcapReader(f));
  }

  close(): void {
    this.file.close();
  }

  /** calls `onRecord` for up to `max` records; false when the file is done */
  read(onRecord: RecordHandler, max: number): boolean {
    const f = this.file;
    const { bigEndian: big, nanos, linkType } = this.header;
    const limit = Math.max(this.header.snaplen, DEFAULT_SNAPLEN);
    for (let n = 0; n < max; n++) {
      if (f.filled - f.pos < RECORD_HEADER_LEN && !f.ensure(RECORD_HEADER_LEN)) {
        const left = f.available;
        if (left === 0) return false;
        throw this.broken(`its header has ${left} of ${RECORD_HEADER_LEN} bytes`);
      }
      const c = f.chunk;
      const h = f.pos;
      const sec = u32(c, h, big);
      let usec = u32(c, h + 4, big);
      const caplen = u32(c, h + 8, big);
      const wireLen = u32(c, h + 12, big);
      if (caplen > limit) throw this.broken(`captured length ${caplen} is larger than the maximum ${limit}`);
      if (nanos) usec = Math.floor(usec / 1000);
      if (f.filled - f.pos < RECORD_HEADER_LEN + caplen && !f.ensure(RECORD_HEADER_LEN + caplen)) {
        throw this.broken(`it needs ${caplen} bytes of data, the file has ${f.available - RECORD_HEADER_LEN}`);
      }
      this.recordNo++;
      f.pos += RECORD_HEADER_LEN + caplen;
      onRecord(f.chunk, f.pos - caplen, caplen, wireLen, sec, usec, linkType);
    }
    return true;
  }

  private broken(why: string): UsageError {
    return new UsageError(`${this.file.path}: record ${this.recordNo + 1} at byte ${this.file.offset} is broken: ${why}`);
  }
}

function readFileHeader(f: ChunkedFile): PcapFileHeader {
  const path = f.path;
  if (!f.ensure(FILE_HEADER_LEN)) throw new UsageError(`${path}: not a pcap file: ${f.available} bytes, shorter than a pcap header`);
  const c = f.chunk;
  const magicLE = c.readUInt32LE(0);
  const magicBE = c.readUInt32BE(0);
  let bigEndian: boolean;
  let magic: number;
  if (magicLE === PCAP_MAGIC_MICROS || magicLE === PCAP_MAGIC_NANOS) {
    bigEndian = false;
    magic = magicLE;
  } else if (magicBE === PCAP_MAGIC_MICROS || magicBE === PCAP_MAGIC_NANOS) {
    bigEndian = true;
    magic = magicBE;
  } else if (magicLE === PCAPNG_MAGIC) {
    throw new UsageError(`${path}: a pcapng file, not a classic pcap file`);
  } else {
    throw new UsageError(`${path}: not a pcap file (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
  }
  const major = u16(c, 4, bigEndian);
  if (major !== 2) throw new UsageError(`${path}: pcap version ${major} is not supported`);
  f.pos = FILE_HEADER_LEN;
  return { linkType: u32(c, 20, bigEndian) & 0x0fffffff, snaplen: u32(c, 16, bigEndian), nanos: magic === PCAP_MAGIC_NANOS, bigEndian };
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
    // on disk at once: a file cut back after a write error still has its header
    this.sink.flush();
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

  /** bytes written so far, buffered ones included */
  get bytes(): number {
    return this.sink.size;
  }

  flush(): void {
    this.sink.flush();
  }

  close(): void {
    this.sink.close();
  }
}
