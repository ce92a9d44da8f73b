import { ChunkedFile, u32 } from './chunked-file.js';
import { PCAPNG_MAGIC, PcapReader, type RecordHandler } from './pcap-file.js';
import { PcapngReader } from './pcapng-reader.js';

/** a saved capture read record by record, classic pcap or pcapng */
export interface CaptureFileReader {
  /** the link type of the file (pcapng: of its first interface) */
  readonly linkType: number;
  /** calls `onRecord` for up to `max` records; false when the file is done */
  read(onRecord: RecordHandler, max: number): boolean;
  close(): void;
}

/** opens a pcap or pcapng file, told apart by their first four bytes */
export function openCaptureFile(path: string): CaptureFileReader {
  const file = ChunkedFile.open(path);
  if (file.ensure(4) && u32(file.chunk, 0, false) === PCAPNG_MAGIC) return PcapngReader.from(file);
  return PcapReader.from(file);
}
