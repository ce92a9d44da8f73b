import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A gzipped ustar archive of regular files, written and read in memory (a
 * support bundle is a few hundred KiB). Enough of POSIX ustar for `tar -xzf`
 * and for reading back what this writer wrote: names up to 255 bytes (prefix
 * and name fields), mode 0644, owner root, no links or directories.
 */
export interface TarEntry {
  name: string;
  data: Buffer | string;
}

const BLOCK = 512;

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes) at a slash. */
function splitName(name: string): { prefix: string; base: string } {
  if (!name || name.startsWith('/') || name.split('/').includes('..')) throw new TarFormatError(`bad archive path "${name}"`);
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return { prefix, base };
  }
  throw new TarFormatError(`archive path too long for ustar: "${name}"`);
}

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, base } = splitName(name);
  h.write(base, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  h.write('0', 156, 'ascii'); // a regular file
  h.write('ustar\x0000', 257, 'binary');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  h.write(octal(checksum(h), 7) + ' ', 148, 'ascii');
  return h;
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The archive, gzipped: each entry a header and its data padded to 512 bytes, then two zero blocks. */
export function writeTarGz(entries: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    parts.push(header(e.name, data.length, mtime), data, padding(data.length));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(parts));
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octalField(h: Buffer, start: number, length: number, what: string): number {
  const text = field(h, start, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`corrupt archive: bad ${what} field`);
  return parseInt(text, 8);
}

/** The regular files of a gzipped tar archive by name; anything else in it is skipped. Throws TarFormatError on a damaged one. */
export function readTarGz(archive: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (err) {
    throw new TarFormatError(`not a gzip file: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let at = 0;
  for (;;) {
    if (at + BLOCK > tar.length) throw new TarFormatError('corrupt archive: it ends inside a header');
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return files;
    if (octalField(h, 148, 8, 'checksum') !== checksum(h)) throw new TarFormatError(`corrupt archive: header checksum wrong at byte ${at}`);
    const size = octalField(h, 124, 12, 'size');
    const prefix = field(h, 345, 155);
    const name = prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new TarFormatError(`corrupt archive: ${name} is cut short`);
    const type = field(h, 156, 1);
    if (type === '0' || type === '') files.set(name, Buffer.from(tar.subarray(start, start + size)));
    at = start + size + padding(size).length;
  }
}
