import fs from 'node:fs';
import { OperationError } from '../errors.js';

/**
 * A file written in large blocks that only ever holds whole records: records
 * are put in a memory block and the block goes to disk as one write. When a
 * write fails (a full disk), the file is cut back to the end of the last
 * block written whole, so readers never see half a record.
 */
export class FileSink {
  private readonly fd: number;
  private block: Buffer;
  private used = 0;
  private written = 0;

  constructor(readonly path: string, blockSize = 1 << 20) {
    try {
      this.fd = fs.openSync(path, 'w', 0o644);
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

  commit(n: number): void {
    this.used += n;
  }

  flush(): void {
    let done = 0;
    try {
      while (done < this.used) done += fs.writeSync(this.fd, this.block, done, this.used - done, this.written + done);
    } catch (err) {
      this.used = 0;
      try {
        fs.ftruncateSync(this.fd, this.written);
      } catch {
        // nothing more can be done for the file
      }
      throw new OperationError(`${this.path}: ${(err as Error).message}; the file keeps only the records written before`);
    }
    this.written += done;
    this.used = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}
