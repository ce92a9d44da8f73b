import { OperationError } from '../../netcore/errors.js';
import { LiveCapture, type CaptureStats, type PacketHandler } from './live.js';
import { RotatingWriter, pcapOutput, pcapngOutput, type RotationOptions } from '../file/rotating-writer.js';
import { LinePrinter, type PrintOptions } from '../print.js';
import type { TextOut } from '../text-out.js';

export interface CaptureInterface {
  /** the device to open */
  device: string;
  /** the name shown in pcapng (`web:eth0`) */
  label: string;
}

export interface LiveRunOptions {
  interfaces: CaptureInterface[];
  filter: string;
  snaplen: number;
  count: number | null;
  /** write packets here instead of printing them (`-` standard output) */
  writeFile: string | null;
  pcapng: boolean;
  /** -C/-G/-W: writeFile is the first name of a rotation */
  rotation?: RotationOptions;
  /** -U: each packet written out at once (for a reader at the other end of `-w -`) */
  flushEachPacket?: boolean;
  print: PrintOptions;
  out: TextOut;
  /** called once every interface is open (tcpdump's "listening on" line) */
  onListening?: (linkTypes: number[]) => void;
  /** aborting ends the capture (SIGINT, SIGTERM) */
  stop: AbortSignal;
}

export interface LiveRunResult {
  captured: number;
  stats: CaptureStats;
  /** -G with -W: the capture ended because its last file was done */
  fileLimitReached: boolean;
}

const FLUSH_EVERY_MS = 1000;

/**
 * A live capture on one or more interfaces until -c packets, an abort or a
 * write error: packets printed as lines or written to a pcap/pcapng file
 * (whole records, flushed at the end). Returns tcpdump's counters.
 */
export async function runLiveCapture(opts: LiveRunOptions): Promise<LiveRunResult> {
  const captures: LiveCapture[] = [];
  let writer: RotatingWriter | null = null;
  let captured = 0;
  let failure: unknown = null;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const limit = opts.count ?? Infinity;
  let stats: CaptureStats;
  let done = false;

  const end = () => {
    if (done) return;
    done = true;
    finish();
  };

  let outputScheduled = false;
  const pushOutput = () => {
    outputScheduled = false;
    opts.out.push();
  };

  const handlerFor = (ifIndex: number, linkType: number): PacketHandler => {
    const printer = opts.writeFile ? null : new LinePrinter(linkType, opts.print);
    return (buf, caplen, wireLen, sec, usec) => {
      if (done) return;
      try {
        if (writer) {
          if (!writer.write(ifIndex, buf, caplen, wireLen, sec, usec)) return end();
          captured++;
          if (opts.flushEachPacket) writer.flush();
        } else {
          captured++;
          printer!.print(opts.out.text, buf, 0, caplen, wireLen, sec, usec);
          opts.out.endLine();
          if (!outputScheduled) {
            outputScheduled = true;
            setImmediate(pushOutput);
          }
        }
      } catch (err) {
        failure = err;
        end();
        return;
      }
      if (captured >= limit) end();
    };
  };

  try {
    for (const [i, iface] of opts.interfaces.entries()) {
      // the handler needs the link type, known once the device is open; no packet comes before that
      let handler: PacketHandler = () => undefined;
      const capture = await LiveCapture.open(iface.device, {
        filter: opts.filter,
        snaplen: opts.snaplen,
        onPacket: (buf, caplen, wireLen, sec, usec) => handler(buf, caplen, wireLen, sec, usec),
      });
      handler = handlerFor(i, capture.linkType);
      captures.push(capture);
    }
    writer = opts.writeFile ? openWriter(opts, captures) : null;
  } catch (err) {
    await Promise.all(captures.map((c) => c.stop()));
    throw err;
  }
  opts.onListening?.(captures.map((c) => c.linkType));
  const flushTimer = writer ? setInterval(() => safeFlush(writer!, (err) => ((failure = err), end())), FLUSH_EVERY_MS) : null;
  const onAbort = () => end();
  if (opts.stop.aborted) end();
  else opts.stop.addEventListener('abort', onAbort, { once: true });
  await finished;
  stats = sumStats(await Promise.all(captures.map((c) => c.stop())));
  opts.stop.removeEventListener('abort', onAbort);
  if (flushTimer) clearInterval(flushTimer);
  if (writer) {
    try {
      writer.close();
    } catch (err) {
      failure ??= err;
    }
  }
  await opts.out.flush();
  if (failure) throw failure instanceof Error ? failure : new OperationError(String(failure));
  return { captured, stats, fileLimitReached: writer?.limitReached ?? false };
}

function safeFlush(writer: RotatingWriter, onError: (err: unknown) => void): void {
  try {
    writer.flush();
  } catch (err) {
    onError(err);
  }
}

function openWriter(opts: LiveRunOptions, captures: LiveCapture[]): RotatingWriter {
  const rotation = opts.rotation ?? { sizeBytes: null, seconds: null, files: null };
  if (opts.pcapng) {
    const interfaces = opts.interfaces.map((iface, i) => ({ name: iface.label, linkType: captures[i]!.linkType, snaplen: opts.snaplen }));
    return new RotatingWriter(opts.writeFile!, rotation, (path) => pcapngOutput(path, interfaces));
  }
  const linkTypes = new Set(captures.map((c) => c.linkType));
  if (linkTypes.size > 1) throw new OperationError('the interfaces have different link types: use --pcapng to write them into one file');
  return new RotatingWriter(opts.writeFile!, rotation, (path) => pcapOutput(path, captures[0]!.linkType, opts.snaplen));
}

function sumStats(all: CaptureStats[]): CaptureStats {
  const total: CaptureStats = { received: 0, dropped: 0, ifDropped: 0 };
  for (const s of all) {
    total.received += s.received;
    total.dropped += s.dropped;
    total.ifDropped += s.ifDropped;
  }
  return total;
}
