import type { LineText } from './line-text.js';

/**
 * tcpdump's raw packet dumps (util-print.c): hex_print for -x and for
 * payloads no printer decodes, hex_and_ascii_print for -X, ascii_print for
 * -A. Bytes are written straight into the line's buffer.
 */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const NEWLINE = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;
const DOT = 0x2e;
const CR = 0x0d;

/** ND_ASCII_ISGRAPH: printable and not a space */
const isGraph = (c: number) => c > 0x20 && c <= 0x7e;

/** the longest `0x%04x: ` label of a dump (offsets below 2^32) */
const LABEL = 12;

/** `0x%04x: ` after the indent; returns the position after it */
function offsetLabel(b: Buffer, p: number, indent: string, offset: number): number {
  for (let i = 0; i < indent.length; i++) b[p++] = indent.charCodeAt(i);
  b[p++] = 0x30;
  b[p++] = 0x78;
  let shift = 12;
  while (offset >>> (shift + 4) !== 0 && shift < 28) shift += 4;
  for (; shift >= 0; shift -= 4) b[p++] = HEX[(offset >>> shift) & 15]!;
  b[p++] = 0x3a;
  b[p++] = SPACE;
  return p;
}

/** hex_print: `<indent>0x0000:  4500 0054 ...`, 16 bytes a line */
export function writeHex(out: LineText, src: Buffer, off: number, len: number, indent = '\n\t'): void {
  if (len <= 0) return;
  out.reserve(Math.ceil(len / 16) * (indent.length + LABEL) + Math.ceil(len / 2) * 5);
  const b = out.buf;
  let p = out.pos;
  for (let i = 0; i < len; i++) {
    if ((i & 15) === 0) p = offsetLabel(b, p, indent, i);
    if ((i & 1) === 0) b[p++] = SPACE;
    const c = src[off + i]!;
    b[p++] = HEX[c >> 4]!;
    b[p++] = HEX[c & 15]!;
  }
  out.pos = p;
}

/** hex_and_ascii_print: the hex of 16 bytes padded to 40 columns, two spaces, the bytes as text ('.' when not graphic) */
export function writeHexAscii(out: LineText, src: Buffer, off: number, len: number, indent = '\n\t'): void {
  if (len <= 0) return;
  out.reserve(Math.ceil(len / 16) * (indent.length + LABEL + 40 + 2 + 16));
  const b = out.buf;
  let p = out.pos;
  for (let line = 0; line < len; line += 16) {
    p = offsetLabel(b, p, indent, line);
    const n = Math.min(16, len - line);
    const hexEnd = p + 40;
    for (let i = 0; i < n; i++) {
      if ((i & 1) === 0) b[p++] = SPACE;
      const c = src[off + line + i]!;
      b[p++] = HEX[c >> 4]!;
      b[p++] = HEX[c & 15]!;
    }
    while (p < hexEnd) b[p++] = SPACE;
    b[p++] = SPACE;
    b[p++] = SPACE;
    for (let i = 0; i < n; i++) {
      const c = src[off + line + i]!;
      b[p++] = isGraph(c) ? c : DOT;
    }
  }
  out.pos = p;
}

/** ascii_print: a new line, then the bytes as text; tab, space and newline kept, CR dropped where a newline follows */
export function writeAscii(out: LineText, src: Buffer, off: number, len: number): void {
  out.reserve(len + 1);
  const b = out.buf;
  let p = out.pos;
  b[p++] = NEWLINE;
  for (let i = 0; i < len; i++) {
    const c = src[off + i]!;
    const left = len - i - 1;
    if (c === CR) {
      // tcpdump: a CR is dropped at the end of a line (and as the last or next-to-last byte)
      if (left > 1 && src[off + i + 1] !== NEWLINE) b[p++] = DOT;
    } else b[p++] = isGraph(c) || c === TAB || c === SPACE || c === NEWLINE ? c : DOT;
  }
  out.pos = p;
}
