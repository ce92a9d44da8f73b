import { openCaptureFile } from './capture-file.js';
import { LinePrinter, type PrintOptions } from '../print.js';
import { TextOut } from '../text-out.js';

export interface ReadFileOptions extends PrintOptions {
  /** stop after this many packets (-c) */
  count: number | null;
}

/**
 * Prints a pcap or pcapng file as tcpdump -n -r does, in batches so that a
 * slow reader of the output holds the reading back. Returns the number of
 * packets printed; throws UsageError naming the record where a file broke
 * (after printing the records before it).
 */
export async function printPcapFile(path: string, opts: ReadFileOptions, out: TextOut): Promise<number> {
  const reader = openCaptureFile(path);
  try {
    const printer = new LinePrinter(reader.linkType, opts);
    let printed = 0;
    const limit = opts.count ?? Infinity;
    const onRecord = (buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number, linkType: number) => {
      printer.print(out.text, buf, off, caplen, wireLen, sec, usec, linkType);
      out.endLine();
      printed++;
    };
    try {
      while (printed < limit && reader.read(onRecord, Math.min(4096, limit - printed))) await out.drain();
    } finally {
      await out.flush();
    }
    return printed;
  } finally {
    reader.close();
  }
}
