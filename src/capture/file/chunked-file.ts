import fs from 'node:fs';
import { UsageError } from '../../netcore/errors.js';

/**
 * A file read in large chunks for parsing in place: `chunk[pos..filled)`
 * holds the next unread bytes, `fileOffset` is the file offset of chunk[0].
 * Readers take records straight from `chunk` (no copy per record).
 */
export class ChunkedFile {
  chunk: Buffer;
  pos = 0;
  filled = 0;
  fileOffset = 0;
  private eof = false;

  private constructor(private readonly fd: number, readonly path: string, chunkSize: number, private readonly sequential = false) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
    this.fill();
  }

  /** a UsageError (as tcpdump words it) when the file cannot be opened; `-` is standard input */
  static open(path: string, chunkSize = 4 << 20): ChunkedFile {
    if (path === STDIN_NAME) return new ChunkedFile(0, path, chunkSize, true);
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      throw new UsageError(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message}`);
    }
    try {
      return new ChunkedFile(fd, path, chunkSize);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  close(): void {
    if (!this.sequential) fs.closeSync(this.fd);
  }

  /** a reader made on this file; the file is closed when making it fails (a wrong header) */
  readerOrClose<T>(make: (file: ChunkedFile) => T): T {
    try {
      return make(this);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** bytes ready at pos */
  get available(): number {
    return this.filled - this.pos;
  }

  /** file offset of pos */
  get offset(): number {
    return this.fileOffset + this.pos;
  }

  /** makes `n` bytes available at pos (moving them to the chunk's start if needed); false at the end of the file */
  ensure(n: number): boolean {
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
    const got = this.sequential ? this.readOn() : fs.readSync(this.fd, this.chunk, this.filled, this.chunk.length - this.filled, this.fileOffset + this.filled);
    if (got === 0) this.eof = true;
    this.filled += got;
  }

  /** a pipe or terminal: what is there, waiting while a non-blocking one is empty */
  private readOn(): number {
    for (;;) {
      try {
        return fs.readSync(this.fd, this.chunk, this.filled, this.chunk.length - this.filled, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EOF') return 0;
        if (code !== 'EAGAIN') throw new UsageError(`${this.path}: ${(err as Error).message}`);
        Atomics.wait(PAUSE, 0, 0, 5);
      }
    }
  }
}

/** the -r name of standard input */
export const STDIN_NAME = '-';
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** a 32-bit unsigned field in a file's byte order (plain reads: Buffer's readers check their arguments) */
export function u32(b: Buffer, o: number, big: boolean): number {
  return big
    ? ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
    : ((b[o + 3]! << 24) | (b[o + 2]! << 16) | (b[o + 1]! << 8) | b[o]!) >>> 0;
}

export function u16(b: Buffer, o: number, big: boolean): number {
  return big ? (b[o]! << 8) | b[o + 1]! : (b[o + 1]! << 8) | b[o]!;
}
