/**
 * pcapng files built block by block for tests: the variants real tools
 * rarely write (big-endian sections, nanosecond or binary timestamp
 * resolutions, if_tsoffset, simple packet blocks, unknown blocks).
 */
export interface Endian {
  big: boolean;
}

const pad4 = (n: number) => (n + 3) & ~3;

export function block(e: Endian, type: number, body: Buffer): Buffer {
  const total = 12 + pad4(body.length);
  const b = Buffer.alloc(total);
  u32(e, b, 0, type);
  u32(e, b, 4, total);
  body.copy(b, 8);
  u32(e, b, total - 4, total);
  return b;
}

export function sectionHeader(e: Endian): Buffer {
  const body = Buffer.alloc(16);
  u32(e, body, 0, 0x1a2b3c4d);
  u16(e, body, 4, 1);
  u16(e, body, 6, 0);
  body.fill(0xff, 8, 16); // section length unknown
  return block(e, 0x0a0d0d0a, body);
}

export interface InterfaceOptions {
  linkType?: number;
  snaplen?: number;
  /** if_tsresol byte: 6 = µs, 9 = ns, 0x80|20 = 2^-20 s */
  tsresol?: number;
  /** if_tsoffset in seconds */
  tsoffset?: bigint;
}

export function interfaceDescription(e: Endian, o: InterfaceOptions = {}): Buffer {
  const opts: Buffer[] = [];
  if (o.tsresol !== undefined) opts.push(option(e, 9, Buffer.from([o.tsresol])));
  if (o.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (e.big) v.writeBigInt64BE(o.tsoffset);
    else v.writeBigInt64LE(o.tsoffset);
    opts.push(option(e, 14, v));
  }
  if (opts.length) opts.push(Buffer.alloc(4)); // opt_endofopt
  const head = Buffer.alloc(8);
  u16(e, head, 0, o.linkType ?? 1);
  u32(e, head, 4, o.snaplen ?? 262144);
  return block(e, 1, Buffer.concat([head, ...opts]));
}

/** an enhanced packet block; `ts` in the interface's units */
export function enhancedPacket(e: Endian, ifId: number, ts: bigint, data: Buffer, wireLen = data.length): Buffer {
  const head = Buffer.alloc(20);
  u32(e, head, 0, ifId);
  u32(e, head, 4, Number(ts >> 32n));
  u32(e, head, 8, Number(ts & 0xffffffffn));
  u32(e, head, 12, data.length);
  u32(e, head, 16, wireLen);
  return block(e, 6, Buffer.concat([head, data]));
}

export function simplePacket(e: Endian, data: Buffer, wireLen = data.length): Buffer {
  const head = Buffer.alloc(4);
  u32(e, head, 0, wireLen);
  return block(e, 3, Buffer.concat([head, data]));
}

function option(e: Endian, code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  u16(e, b, 0, code);
  u16(e, b, 2, value.length);
  value.copy(b, 4);
  return b;
}

function u32(e: Endian, b: Buffer, o: number, v: number): void {
  if (e.big) b.writeUInt32BE(v, o);
  else b.writeUInt32LE(v, o);
}

function u16(e: Endian, b: Buffer, o: number, v: number): void {
  if (e.big) b.writeUInt16BE(v, o);
  else b.writeUInt16LE(v, o);
}
