import { UsageError } from '../../netcore/errors.js';
import { ChunkedFile, STDIN_NAME, u32 } from './chunked-file.js';
import { DEFAULT_SNAPLEN, PCAPNG_MAGIC, PcapReader, type RecordHandler } from './pcap-file.js';
import { PcapngReader } from './pcapng-reader.js';

/** a saved capture read record by record, classic pcap or pcapng */
export interface CaptureFileReader {
  /** the link type of the file (pcapng: of its first interface) */
  readonly linkType: number;
  /** the snap length in the file's header (pcapng: of its first interface; 0: none given) */
  readonly snaplen: number;
  /** calls `onRecord` for up to `max` records; false when the file is done */
  read(onRecord: RecordHandler, max: number): boolean;
  close(): void;
}

/** opens a pcap or pcapng file (`-`: standard input), told apart by their first four bytes */
export function openCaptureFile(path: string): CaptureFileReader {
  const file = ChunkedFile.open(path);
  // libpcap's words for an empty pipe, which tcpdump -r - prints
  if (path === STDIN_NAME && !file.ensure(4)) throw new UsageError(`truncated dump file; tried to read 4 file header bytes, only got ${file.available}`);
  if (file.ensure(4) && u32(file.chunk, 0, false) === PCAPNG_MAGIC) return PcapngReader.from(file);
  return PcapReader.from(file);
}

/**
 * Reads a file through to its end, throwing where a record is broken (libpcap
 * stops silently there); returns its snap length as libpcap reports it for
 * the file (none or more than 262144: 262144).
 */
export function checkWholeFile(path: string): number {
  const reader = openCaptureFile(path);
  try {
    while (reader.read(() => undefined, 1 << 16));
    const snaplen = reader.snaplen;
    return snaplen === 0 || snaplen > DEFAULT_SNAPLEN ? DEFAULT_SNAPLEN : snaplen;
  } finally {
    reader.close();
  }
}
