import type { Packet } from './packet.js';

/** tcpdump's fn_print_char over bytes: `M-` for the high bit, `^X` for control characters */
export function printable(buf: Buffer, off: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) {
    let c = buf[off + k]!;
    if (c >= 0x20 && c < 0x7f) {
      s += String.fromCharCode(c);
      continue;
    }
    if (c >= 0x80) {
      c &= 0x7f;
      s += 'M-';
    }
    if (c < 0x20 || c === 0x7f) {
      c ^= 0x40;
      s += '^';
    }
    s += String.fromCharCode(c);
  }
  return s;
}

/** nd_printn: `n` bytes as fn_print_char, fewer where the capture ends; true when it ended first */
export function printCounted(p: Packet, off: number, n: number): boolean {
  const avail = Math.max(0, Math.min(n, p.end - off));
  p.out.str(printable(p.buf, off, avail));
  return avail < n;
}

/** nd_printztn: up to a NUL within `n` bytes; false when none came before `n` bytes or the capture's end */
export function printNulTerminated(p: Packet, off: number, n: number): boolean {
  for (let i = 0; i < n && off + i < p.end; i++) {
    if (p.buf[off + i] === 0) {
      p.out.str(printable(p.buf, off, i));
      return true;
    }
  }
  p.out.str(printable(p.buf, off, Math.max(0, Math.min(n, p.end - off))));
  return false;
}
