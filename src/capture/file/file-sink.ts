import fs from 'node:fs';
import { OperationError } from '../../netcore/errors.js';

/** the -w name of standard output */
export const STDOUT_NAME = '-';

/**
 * A file written in large blocks that only ever holds whole records: records
 * are put in a memory block and the block goes to disk as one write. When a
 * write fails (a full disk, a file size limit), the file is cut back to the
 * end of the last record written whole, so readers never see half a record.
 * The path `-` is standard output (written in order; a pipe cannot be cut back).
 */
export class FileSink {
  private readonly fd: number;
  private readonly stdout: boolean;
  private block: Buffer;
  private used = 0;
  private written = 0;
  /** where each record committed in the block ends (for cutting a partial write back to a whole record) */
  private ends = new Uint32Array(1024);
  private records = 0;

  constructor(readonly path: string, blockSize = 1 << 20) {
    this.stdout = path === STDOUT_NAME;
    try {
      this.fd = this.stdout ? 1 : fs.openSync(path, 'w', 0o644);
    } catch (err) {
      throw new OperationError(`${path}: ${(err as Error).message}`);
    }
    this.block = Buffer.allocUnsafe(blockSize);
  }

  /** room for `n` more bytes; returns the block and the offset to write them at (call commit after) */
  reserve(n: number): Buffer {
    if (this.used + n > this.block.length) {
      this.flush();
      if (n > this.block.length) this.block = Buffer.allocUnsafe(n * 2);
    }
    return this.block;
  }

  get offset(): number {
    return this.used;
  }

  /** bytes of the file so far, the block not yet written included (tcpdump's ftell for -C) */
  get size(): number {
    return this.written + this.used;
  }

  commit(n: number): void {
    this.used += n;
    if (this.records === this.ends.length) {
      const more = new Uint32Array(this.ends.length * 2);
      more.set(this.ends);
      this.ends = more;
    }
    this.ends[this.records++] = this.used;
  }

  flush(): void {
    let done = 0;
    try {
      while (done < this.used) done += this.writeSome(done);
    } catch (err) {
      if (this.stdout) {
        this.used = 0;
        this.records = 0;
        throw new OperationError(`standard output: ${writeErrorText(err)}`);
      }
      const whole = this.wholeRecordsIn(done);
      this.used = 0;
      this.records = 0;
      try {
        fs.ftruncateSync(this.fd, this.written + whole);
      } catch {
        // nothing more can be done for the file
      }
      throw new OperationError(`${this.path}: ${writeErrorText(err)}; the file keeps the records written before`);
    }
    this.written += done;
    this.used = 0;
    this.records = 0;
  }

  private writeSome(from: number): number {
    if (!this.stdout) return fs.writeSync(this.fd, this.block, from, this.used - from, this.written + from);
    try {
      return fs.writeSync(this.fd, this.block, from, this.used - from);
    } catch (err) {
      // a non-blocking pipe that is full: wait for the reader
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
      return 0;
    }
  }

  /** bytes of the block's first records that lie within its first `done` bytes */
  private wholeRecordsIn(done: number): number {
    let whole = 0;
    for (let i = 0; i < this.records && this.ends[i]! <= done; i++) whole = this.ends[i]!;
    return whole;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      if (!this.stdout) fs.closeSync(this.fd);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function writeErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EFBIG') return 'file too large (file size limit)';
  if (code === 'EDQUOT') return 'disk quota exceeded';
  if (code === 'EPIPE') return 'the reader went away (broken pipe)';
  return (err as Error).message;
}
