/**
 * The DNS wire format, as much of it as the embedded server needs: a query
 * parser and a response encoder that work on Buffers directly. This is the hot
 * path (every query passes through it), so it allocates little and never goes
 * through a general packet decoder.
 */

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const QTYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;

export const HEADER_SIZE = 12;
export const MAX_NAME_WIRE_LENGTH = 255;
export const MAX_UDP_PLAIN_SIZE = 512;
export const MAX_MESSAGE_SIZE = 65535;
/** The UDP payload size announced in our own OPT record (the DNS flag day 2020 value). */
export const OUR_EDNS_SIZE = 1232;

const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_CD = 0x0010;
const OPCODE_MASK = 0x7800;

export interface Query {
  id: number;
  /** the header's flags word as sent */
  flags: number;
  /** lower case, labels joined by dots, no trailing dot; '' for the root */
  name: string;
  /** false when a label holds a dot or a byte outside printable ASCII: such a name can match no record */
  plainName: boolean;
  qtype: number;
  qclass: number;
  /** offset just past the question: bytes [12, questionEnd) are copied into the response verbatim */
  questionEnd: number;
  /** the client's EDNS0 UDP payload size, or 0 when the query has no OPT record */
  ednsSize: number;
}

/** What to do with a message that is not a usable query. */
export type Rejection = { kind: 'drop' } | { kind: 'error'; rcode: number };

const DROP: Rejection = { kind: 'drop' };
const FORMERR: Rejection = { kind: 'error', rcode: RCODE.FORMERR };
const NOTIMP: Rejection = { kind: 'error', rcode: RCODE.NOTIMP };

export function isRejection(r: Query | Rejection): r is Rejection {
  return (r as Rejection).kind !== undefined;
}

/** Set by readName: where the name ended in the message (past its terminator or first pointer). */
let nameEnd = 0;
let namePlain = true;

/**
 * Reads a (possibly compressed) name at `offset`. Returns the lower-cased
 * dotted name, or null when it is malformed: a label running past the end,
 * a reserved label type, a pointer that does not point strictly backwards
 * (which rules out loops), or more than 255 bytes in all.
 */
export function readName(buf: Buffer, offset: number): string | null {
  let name = '';
  let pos = offset;
  let wireLength = 1; // the root label
  let end = -1;
  let lowestSeen = offset;
  namePlain = true;
  for (;;) {
    if (pos >= buf.length) return null;
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return null;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= lowestSeen) return null;
      lowestSeen = target;
      pos = target;
      continue;
    }
    if (kind !== 0) return null;
    wireLength += len + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH || pos + 1 + len > buf.length) return null;
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = buf[i]!;
      if (c <= 0x20 || c >= 0x7f || c === 0x2e) {
        namePlain = false;
        break;
      }
    }
    const label = buf.toString('latin1', pos + 1, pos + 1 + len);
    name = name ? `${name}.${label}` : label;
    pos += 1 + len;
  }
  nameEnd = end;
  return name.toLowerCase();
}

/** Skips a name (no decoding); returns the offset past it, or -1 when it runs past the end. */
function skipName(buf: Buffer, offset: number): number {
  let pos = offset;
  while (pos < buf.length) {
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    pos += 1 + len;
  }
  return -1;
}

/**
 * Parses a query. Messages too short for a header, and responses (QR set: answering
 * them could loop two servers into each other), are dropped; anything else that is
 * not exactly one well-formed question gets FORMERR, an opcode other than QUERY NOTIMP.
 */
export function parseQuery(buf: Buffer): Query | Rejection {
  if (buf.length < HEADER_SIZE) return DROP;
  const flags = buf.readUInt16BE(2);
  if (flags & FLAG_QR) return DROP;
  if ((flags & OPCODE_MASK) !== 0) return NOTIMP;
  const qdcount = buf.readUInt16BE(4);
  if (qdcount !== 1) return FORMERR;
  const name = readName(buf, HEADER_SIZE);
  if (name === null) return FORMERR;
  const plainName = namePlain;
  let pos = nameEnd;
  if (pos + 4 > buf.length) return FORMERR;
  const qtype = buf.readUInt16BE(pos);
  const qclass = buf.readUInt16BE(pos + 2);
  pos += 4;
  const questionEnd = pos;
  let ednsSize = 0;
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const firstAdditional = records - buf.readUInt16BE(10);
  for (let i = 0; i < records; i++) {
    const nameStart = pos;
    pos = skipName(buf, pos);
    if (pos < 0 || pos + 10 > buf.length) return FORMERR;
    const type = buf.readUInt16BE(pos);
    const rdlength = buf.readUInt16BE(pos + 8);
    if (type === QTYPE.OPT && i >= firstAdditional && buf[nameStart] === 0 && ednsSize === 0) {
      ednsSize = Math.max(MAX_UDP_PLAIN_SIZE, buf.readUInt16BE(pos + 2));
    }
    pos += 10 + rdlength;
    if (pos > buf.length) return FORMERR;
  }
  return { id: buf.readUInt16BE(0), flags, name, plainName, qtype, qclass, questionEnd, ednsSize };
}

/** Reads the id, flags and (when set) the 4-bit rcode of any message with a header. */
export function headerOf(buf: Buffer): { id: number; flags: number; rcode: number } | null {
  if (buf.length < HEADER_SIZE) return null;
  const flags = buf.readUInt16BE(2);
  return { id: buf.readUInt16BE(0), flags, rcode: flags & 0x000f };
}

// ---------------------------------------------------------------- encoding

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/**
 * One resource record of an answer. `owner` null means "the question's name":
 * it is then written as a 2-byte pointer to offset 12.
 */
export type AnswerRecord =
  | { owner: string | null; type: typeof QTYPE.A | typeof QTYPE.AAAA; ttl: number; data: Buffer }
  | { owner: string | null; type: typeof QTYPE.PTR; ttl: number; data: string }
  | { owner: string | null; type: typeof QTYPE.SRV; ttl: number; data: SrvData };

export interface ResponseSpec {
  rcode: number;
  answers?: readonly AnswerRecord[];
  additionals?: readonly AnswerRecord[];
  /** the largest message the client accepts: 512 or its EDNS0 size on UDP, 65535 on TCP */
  maxSize: number;
}

const scratch = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 512);

/** Name compression for one message: every written name suffix and its offset. */
class NameWriter {
  private offsets: Map<string, number> | null = null;

  constructor(private readonly questionName: string | null) {}

  write(name: string, pos: number): number {
    if (!this.offsets) {
      this.offsets = new Map();
      if (this.questionName) this.offsets.set(this.questionName, HEADER_SIZE);
    }
    let rest = name.toLowerCase();
    let original = name;
    while (rest) {
      const known = this.offsets.get(rest);
      if (known !== undefined) {
        scratch.writeUInt16BE(0xc000 | known, pos);
        return pos + 2;
      }
      if (pos < 0x4000) this.offsets.set(rest, pos);
      const dot = original.indexOf('.');
      const label = dot < 0 ? original : original.slice(0, dot);
      const len = Math.min(scratch.write(label, pos + 1, 'latin1'), 63);
      scratch[pos] = len;
      pos += 1 + len;
      original = dot < 0 ? '' : original.slice(dot + 1);
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    scratch[pos] = 0;
    return pos + 1;
  }
}

function writeRecord(rec: AnswerRecord, pos: number, names: NameWriter): number {
  if (rec.owner === null) {
    scratch[pos] = 0xc0;
    scratch[pos + 1] = HEADER_SIZE;
    pos += 2;
  } else {
    pos = names.write(rec.owner, pos);
  }
  scratch.writeUInt16BE(rec.type, pos);
  scratch.writeUInt16BE(CLASS_IN, pos + 2);
  scratch.writeUInt32BE(rec.ttl, pos + 4);
  const rdataStart = pos + 10;
  let end: number;
  switch (rec.type) {
    case QTYPE.A:
    case QTYPE.AAAA:
      end = rdataStart + rec.data.copy(scratch, rdataStart);
      break;
    case QTYPE.PTR:
      end = names.write(rec.data, rdataStart);
      break;
    case QTYPE.SRV:
      scratch.writeUInt16BE(rec.data.priority, rdataStart);
      scratch.writeUInt16BE(rec.data.weight, rdataStart + 2);
      scratch.writeUInt16BE(rec.data.port, rdataStart + 4);
      // RFC 2782: the SRV target must not be compressed
      end = new NameWriter(null).write(rec.data.target, rdataStart + 6);
      break;
  }
  scratch.writeUInt16BE(end - rdataStart, pos + 8);
  return end;
}

function writeOpt(pos: number): number {
  scratch[pos] = 0; // root
  scratch.writeUInt16BE(QTYPE.OPT, pos + 1);
  scratch.writeUInt16BE(OUR_EDNS_SIZE, pos + 3);
  scratch.writeUInt32BE(0, pos + 5); // extended rcode, version 0, no flags
  scratch.writeUInt16BE(0, pos + 9);
  return pos + 11;
}

/**
 * Encodes the response to a parsed query: the question copied from the query
 * (its bytes, so the client's letter case survives), then the answers. Records
 * that do not fit `maxSize` are left out whole; a cut answer section sets TC, a
 * cut additional section does not (RFC 2181 9). An OPT record is added when the
 * query had one.
 */
export function encodeResponse(query: Query, queryBytes: Buffer, spec: ResponseSpec): Buffer {
  const optSize = query.ednsSize ? 11 : 0;
  const limit = Math.min(spec.maxSize, MAX_MESSAGE_SIZE) - optSize;
  let flags = FLAG_QR | (query.flags & (OPCODE_MASK | FLAG_RD | FLAG_CD)) | FLAG_RA | (spec.rcode & 0xf);
  let pos = HEADER_SIZE + queryBytes.copy(scratch, HEADER_SIZE, HEADER_SIZE, query.questionEnd);
  const names = new NameWriter(query.plainName ? query.name : null);
  let ancount = 0;
  let arcount = 0;
  let truncated = false;
  for (const rec of spec.answers ?? []) {
    const end = writeRecord(rec, pos, names);
    if (end > limit) {
      truncated = true;
      break;
    }
    pos = end;
    ancount++;
  }
  if (!truncated) {
    for (const rec of spec.additionals ?? []) {
      const end = writeRecord(rec, pos, names);
      if (end > limit) break;
      pos = end;
      arcount++;
    }
  }
  if (truncated) flags |= FLAG_TC;
  if (optSize) {
    pos = writeOpt(pos);
    arcount++;
  }
  scratch.writeUInt16BE(query.id, 0);
  scratch.writeUInt16BE(flags, 2);
  scratch.writeUInt16BE(1, 4);
  scratch.writeUInt16BE(ancount, 6);
  scratch.writeUInt16BE(0, 8);
  scratch.writeUInt16BE(arcount, 10);
  return Buffer.from(scratch.subarray(0, pos));
}

/** A header-only error response (FORMERR, NOTIMP) for a message whose question could not be read. */
export function encodeHeaderOnly(queryBytes: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER_SIZE);
  const flags = queryBytes.readUInt16BE(2);
  out.writeUInt16BE(queryBytes.readUInt16BE(0), 0);
  out.writeUInt16BE(FLAG_QR | (flags & (OPCODE_MASK | FLAG_RD | FLAG_CD)) | FLAG_RA | (rcode & 0xf), 2);
  return out;
}

/** A copy of a message with another id: how forwarded replies go back to the client. */
export function withId(message: Buffer, id: number): Buffer {
  const out = Buffer.from(message);
  out.writeUInt16BE(id, 0);
  return out;
}

export function isTruncated(message: Buffer): boolean {
  return message.length >= HEADER_SIZE && (message.readUInt16BE(2) & FLAG_TC) !== 0;
}

/** The size limit of a UDP response to this query. */
export function udpLimitOf(query: Query): number {
  return query.ednsSize ? Math.min(query.ednsSize, MAX_MESSAGE_SIZE) : MAX_UDP_PLAIN_SIZE;
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(QTYPE).map(([k, v]) => [v, k]));
const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k]));

export function typeName(qtype: number): string {
  return TYPE_NAMES[qtype] ?? `TYPE${qtype}`;
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}
