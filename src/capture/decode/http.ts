import type { Packet } from './packet.js';

const METHODS = new Set([
  'OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL',
  'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'POLL', 'BCOPY', 'BMOVE', 'SEARCH', 'BDELETE', 'BPROPFIND', 'BPROPPATCH',
  'SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'CHECKIN', 'CHECKOUT', 'UNCHECKOUT', 'MKACTIVITY', 'MKWORKSPACE',
  'VERSION-CONTROL', 'BASELINE-CONTROL', 'LABEL', 'MERGE', 'REPORT', 'UPDATE', 'ACL', 'ORDERPATCH',
  'MKREDIRECTREF', 'UPDATEREDIRECTREF', 'RPC_IN_DATA', 'RPC_OUT_DATA',
]);

/**
 * HTTP as tcpdump's txtproto_print without -v: `HTTP`, and when the payload
 * starts with a request method or a status line, `: ` and its first line.
 */
export function httpPrint(p: Packet, off: number, len: number): void {
  p.proto = 'http';
  p.out.str('HTTP');
  let idx = 0;
  const first = token(p, off, 0, len);
  if (!first) return;
  let printThis = METHODS.has(first.text.toUpperCase());
  idx = first.next;
  const second = token(p, off, idx, len);
  if (second && /^[0-9]{3}$/.test(second.text)) printThis = true;
  if (printThis) firstLine(p, off, len);
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

function token(p: Packet, off: number, idx: number, len: number): { text: string; next: number } | null {
  let text = '';
  for (; idx < len; idx++) {
    if (off + idx >= p.end) return null;
    const c = p.buf[off + idx]!;
    if (c >= 0x80) return null;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
    if (!isPrint(c)) return null;
    if (text.length + 2 > 128) return null;
    text += String.fromCharCode(c);
  }
  if (!text) return null;
  for (; idx < len && off + idx < p.end; idx++) {
    const c = p.buf[off + idx]!;
    if (c === 0x0d || c === 0x0a || !isPrint(c) || (c !== 0x20 && c !== 0x09)) break;
  }
  return { text, next: idx };
}

function firstLine(p: Packet, off: number, len: number): void {
  for (let idx = 0; idx < len; idx++) {
    const c = p.u8(off + idx);
    if (c === 0x0a) {
      p.out.str(': ' + p.buf.toString('latin1', off, off + idx));
      return;
    }
    if (c === 0x0d) {
      if (idx + 1 >= len) return;
      if (p.u8(off + idx + 1) === 0x0a) p.out.str(': ' + p.buf.toString('latin1', off, off + idx));
      return;
    }
    if (!isPrint(c) && c !== 0x09) return;
  }
  p.out.str(': ' + p.buf.toString('latin1', off, off + len) + ' [|http]');
}
