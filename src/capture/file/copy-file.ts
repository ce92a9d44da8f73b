import { LiveCapture } from '../live/live.js';
import { STDIN_NAME } from './chunked-file.js';
import { checkWholeFile } from './capture-file.js';
import { DEFAULT_SNAPLEN } from './pcap-file.js';
import { RotatingWriter, pcapOutput, type RotationOptions } from './rotating-writer.js';

export interface CopyOptions {
  /** BPF, compiled by libpcap ('' keeps every record) */
  filter: string;
  count: number | null;
  rotation: RotationOptions;
}

/**
 * tcpdump -r IN -w OUT [FILTER]: the records libpcap reads and the filter
 * keeps, copied as they are into pcap (microseconds, the input's link type
 * and snap length), rotated by -C/-G/-W as a live capture is. Pcap or pcapng
 * in, `-` for standard input or output. Returns the records written.
 */
export async function copyCaptureFile(input: string, output: string, opts: CopyOptions): Promise<number> {
  // libpcap stops silently at a broken record: a named file is checked first (a pipe can be read once only)
  const snaplen = input === STDIN_NAME ? DEFAULT_SNAPLEN : checkWholeFile(input);
  let writer: RotatingWriter | null = null;
  let written = 0;
  const limit = opts.count ?? Infinity;
  try {
    await LiveCapture.replayFiltered(input, opts.filter, (linkType) => {
      writer = new RotatingWriter(output, opts.rotation, (path) => pcapOutput(path, linkType, snaplen));
      return (buf, caplen, wireLen, sec, usec) => {
        if (written >= limit || !writer!.write(0, buf, caplen, wireLen, sec, usec)) return;
        written++;
      };
    });
  } finally {
    (writer as RotatingWriter | null)?.close();
  }
  return written;
}
