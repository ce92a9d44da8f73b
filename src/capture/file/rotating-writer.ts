import { PcapWriter } from './pcap-file.js';
import { PcapngWriter, type PcapngInterface } from './pcapng-writer.js';
import { ringDigits, rotationFileName } from './rotation-names.js';

/** one output file: records in, whole records on disk at close */
export interface RecordWriter {
  write(ifIndex: number, buf: Buffer, caplen: number, wireLen: number, sec: number, usec: number): void;
  /** bytes of the file so far (tcpdump's ftell) */
  readonly bytes: number;
  flush(): void;
  close(): void;
}

export interface RotationOptions {
  /** -C: a new file once the current one is larger than this many bytes */
  sizeBytes: number | null;
  /** -G: a new file on the first packet this many seconds after the current one was opened */
  seconds: number | null;
  /** -W: with -C a ring of this many files; with -G only, stop after this many */
  files: number | null;
  /** -z: each file closed at a rotation (not the last one, as in tcpdump) */
  onRotated?: (path: string) => void;
  /** the wall clock in milliseconds (tests) */
  now?: () => number;
}

/**
 * tcpdump 4.99's -C/-G/-W (its dump_packet_and_trunc): before each packet
 * the time rule is checked, then the size rule; the file being replaced is
 * closed whole first. Without a rule it is one file named as given.
 */
export class RotatingWriter {
  private current: RecordWriter;
  private currentPath: string;
  private readonly digits: number;
  private readonly now: () => number;
  /** the second the current -G period began (tcpdump's Gflag_time) */
  private periodStart: number;
  private timeRotations = 0;
  private sizeIndex = 0;
  /** -G with -W: the last file is done */
  limitReached = false;
  /** between closing a file and opening the next (which may fail) */
  private closed = false;

  constructor(private readonly template: string, private readonly rotation: RotationOptions, private readonly open: (path: string) => RecordWriter) {
    this.digits = rotation.sizeBytes ? ringDigits(rotation.files) : 0;
    this.now = rotation.now ?? Date.now;
    this.periodStart = Math.floor(this.now() / 1000);
    this.currentPath = this.nameOf(0);
    this.current = open(this.currentPath);
  }

  /** the file being written */
  get path(): string {
    return this.currentPath;
  }

  /** false when the -G/-W limit is reached: the packet is not written and the capture should end */
  write(ifIndex: number, buf: Buffer, caplen: number, wireLen: number, sec: number, usec: number): boolean {
    if (this.limitReached) return false;
    const { seconds, sizeBytes, files } = this.rotation;
    if (seconds) {
      const t = Math.floor(this.now() / 1000);
      if (t - this.periodStart >= seconds) {
        this.periodStart = t;
        this.timeRotations++;
        this.closeCurrent();
        if (!sizeBytes && files && this.timeRotations >= files) {
          this.limitReached = true;
          return false;
        }
        this.sizeIndex = 0;
        this.reopen();
      }
    }
    if (sizeBytes && this.current.bytes > sizeBytes) {
      this.closeCurrent();
      this.sizeIndex++;
      if (files && this.sizeIndex >= files) this.sizeIndex = 0;
      this.reopen();
    }
    this.current.write(ifIndex, buf, caplen, wireLen, sec, usec);
    return true;
  }

  flush(): void {
    if (!this.closed) this.current.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current.close();
  }

  private nameOf(index: number): string {
    return rotationFileName(this.template, index, this.digits, this.rotation.seconds ? new Date(this.periodStart * 1000) : null);
  }

  private closeCurrent(): void {
    this.closed = true;
    this.current.close();
    this.rotation.onRotated?.(this.currentPath);
  }

  private reopen(): void {
    this.currentPath = this.nameOf(this.sizeIndex);
    this.current = this.open(this.currentPath);
    this.closed = false;
  }
}

/** a pcap file as one output of a rotation (pcap keeps no interface index) */
export function pcapOutput(path: string, linkType: number, snaplen: number): RecordWriter {
  const w = new PcapWriter(path, linkType, snaplen);
  return {
    write: (_ifIndex, buf, caplen, wireLen, sec, usec) => w.write(buf, 0, caplen, wireLen, sec, usec),
    get bytes() {
      return w.bytes;
    },
    flush: () => w.flush(),
    close: () => w.close(),
  };
}

/** a pcapng file as one output of a rotation, one interface block per captured interface */
export function pcapngOutput(path: string, interfaces: PcapngInterface[]): RecordWriter {
  const w = new PcapngWriter(path, interfaces);
  return {
    write: (ifIndex, buf, caplen, wireLen, sec, usec) => w.write(ifIndex, buf, 0, caplen, wireLen, sec, usec),
    get bytes() {
      return w.bytes;
    },
    flush: () => w.flush(),
    close: () => w.close(),
  };
}
