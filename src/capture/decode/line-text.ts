/**
 * Output text built as bytes in one growing buffer: ASCII strings, decimal
 * and hex numbers, addresses and MAC addresses written in place, so printing
 * a packet makes no string per piece (tcpdump's text is ASCII: a character
 * is one byte, latin1).
 */
/** per byte value: its decimal length, then up to 3 digit characters */
const DOTTED_BYTE = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const text = String(i);
  DOTTED_BYTE[4 * i] = text.length;
  for (let j = 0; j < text.length; j++) DOTTED_BYTE[4 * i + 1 + j] = text.charCodeAt(j);
}
/** '00' to '99' as character pairs */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}
const HEX_DIGITS = '0123456789abcdef';
const HEX_CODES = Uint8Array.from(HEX_DIGITS, (c) => c.charCodeAt(0));
/** the eight groups of the IPv6 address being written */
const GROUPS = new Int32Array(8);

export class LineText {
  buf: Buffer;
  /** bytes written so far */
  pos = 0;

  constructor(size = 1 << 17) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** the text so far (for callers that want a string) */
  toString(start = 0): string {
    return this.buf.toString('latin1', start, this.pos);
  }

  /** hands the written bytes over (the caller may keep them) and starts again empty */
  take(): Buffer {
    let done: Buffer;
    if (this.pos <= this.buf.length >> 3) {
      // a few lines (a live capture between bursts): a copy, and the buffer stays
      done = Buffer.allocUnsafe(this.pos);
      this.buf.copy(done, 0, 0, this.pos);
    } else {
      done = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(this.buf.length);
    }
    this.pos = 0;
    return done;
  }

  str(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    // a plain loop: faster than a native write for the short pieces of a line
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** one ASCII character by code */
  ch(c: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** an integer in decimal, zero-padded to at least `width` digits */
  dec(n: number, width = 1): void {
    if (n >>> 0 !== n) {
      this.decOutsideUint32(n, width);
      return;
    }
    const digits = Math.max(width, decimalDigits(n));
    if (this.pos + digits > this.buf.length) this.grow(digits);
    const b = this.buf;
    const start = this.pos;
    let p = start + digits;
    this.pos = p;
    while (n >= 100) {
      const q = (n / 100) >>> 0;
      const r = 2 * (n - q * 100);
      b[--p] = DIGIT_PAIRS[r + 1]!;
      b[--p] = DIGIT_PAIRS[r]!;
      n = q;
    }
    if (n >= 10) {
      b[--p] = 0x30 + (n % 10);
      n = (n / 10) >>> 0;
    }
    b[--p] = 0x30 + n;
    while (p > start) b[--p] = 0x30;
  }

  /** negative, fractional or large numbers: rare, so through a string */
  private decOutsideUint32(n: number, width: number): void {
    if (n < 0) {
      this.ch(0x2d);
      n = -n;
    }
    this.str(String(n).padStart(width, '0'));
  }

  /** an integer >= 0 in lower-case hex, zero-padded to at least `width` digits */
  hex(n: number, width = 1): void {
    if (n > 0xffffffff) {
      this.str(n.toString(16).padStart(width, '0'));
      return;
    }
    let digits = 1;
    for (let t = n >>> 4; t !== 0; t >>>= 4) digits++;
    if (digits < width) digits = width;
    if (this.pos + digits > this.buf.length) this.grow(digits);
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    for (let i = 0; i < digits; i++) {
      b[--p] = HEX_DIGITS.charCodeAt(n & 15);
      n >>>= 4;
    }
  }

  /** the IPv4 address at `src[off..off+4)` in dotted decimal */
  ipv4(src: Buffer, off: number): void {
    if (this.pos + 15 > this.buf.length) this.grow(15);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 4; i++) {
      if (i) b[p++] = 0x2e;
      const e = src[off + i]! * 4;
      const n = DOTTED_BYTE[e]!;
      b[p++] = DOTTED_BYTE[e + 1]!;
      if (n > 1) b[p++] = DOTTED_BYTE[e + 2]!;
      if (n > 2) b[p++] = DOTTED_BYTE[e + 3]!;
    }
    this.pos = p;
  }

  /** RFC 5952 text (as inet_ntop): longest run of two or more zero groups as `::`, IPv4-mapped tail. */
  ipv6(src: Buffer, off: number): void {
    const g = GROUPS;
    for (let i = 0; i < 8; i++) g[i] = (src[off + 2 * i]! << 8) | src[off + 2 * i + 1]!;
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (g[i] !== 0) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) bestStart = -1;
    // ::ffff:a.b.c.d and ::a.b.c.d (not ::1 / ::) keep the dotted tail, as inet_ntop does
    const embedsV4 = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff));
    if (this.pos + 46 > this.buf.length) this.grow(46);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 8; i++) {
      if (i === bestStart) {
        b[p++] = 0x3a;
        if (i === 0) b[p++] = 0x3a;
        i += bestLen - 1;
        continue;
      }
      if (embedsV4 && i === 6) {
        this.pos = p;
        this.ipv4(src, off + 12);
        return;
      }
      const v = g[i]!;
      if (v >= 0x1000) b[p++] = HEX_CODES[v >> 12]!;
      if (v >= 0x100) b[p++] = HEX_CODES[(v >> 8) & 15]!;
      if (v >= 0x10) b[p++] = HEX_CODES[(v >> 4) & 15]!;
      b[p++] = HEX_CODES[v & 15]!;
      if (i < 7) b[p++] = 0x3a;
    }
    this.pos = p;
  }

  /** the MAC address at `src[off..off+6)` as aa:bb:cc:dd:ee:ff */
  mac(src: Buffer, off: number): void {
    for (let i = 0; i < 6; i++) {
      if (i) this.ch(0x3a);
      this.hex(src[off + i]!, 2);
    }
  }

  /** room for `n` more bytes at `pos`, for writers that fill `buf` directly */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/** digits of an unsigned 32-bit integer */
function decimalDigits(n: number): number {
  if (n < 100000) return n < 100 ? (n < 10 ? 1 : 2) : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 10000000 ? (n < 1000000 ? 6 : 7) : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

