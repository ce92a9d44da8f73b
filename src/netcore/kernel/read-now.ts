import fs from 'node:fs';

/**
 * A small local file (a sysctl, /proc/modules, a resolver file) read at once,
 * or null when it cannot be read. fs.promises would take four trips through
 * libuv's four-thread pool (open, stat, read, close) queued behind every other
 * read of a doctor run: milliseconds where the read itself takes microseconds.
 * Not for a /proc file the kernel is slow to make (/proc/net/tcp walks the
 * whole TCP hash table: ~5 ms on a large machine).
 */
export function readNow(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** readNow(), but a file that exists and may not be read (EACCES without root) throws rather than passing for absent. */
export function readNowOrRefuse(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw err;
    return null;
  }
}
