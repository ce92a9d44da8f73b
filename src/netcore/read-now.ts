import fs from 'node:fs';

/**
 * A small local file (under /proc, /etc, a resolver file) read at once, or
 * null when it cannot be read. fs.promises would take four trips through
 * libuv's four-thread pool (open, stat, read, close) queued behind every
 * other read of a doctor run: tens of milliseconds where the read itself takes
 * microseconds.
 */
export function readNow(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
