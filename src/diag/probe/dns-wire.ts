/**
 * The two DNS messages the probe agent needs, without a DNS library (loading
 * one cost more than the agent's whole start): a recursive query for one
 * A or AAAA name, and the rcode and addresses of its reply.
 */
export const QTYPE = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;
const RD = 0x0100;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean).map((l) => Buffer.from(l, 'ascii'));
  if (labels.some((l) => l.length > 63)) throw new Error(`a label of ${name} is longer than 63 bytes`);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(RD, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, ...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0]), tail]);
}

export interface DecodedReply {
  id: number;
  rcode: string;
  /** the answers of the asked type, as text */
  addresses: string[];
}

/** Skips a (possibly compressed) name; returns the offset after it. */
function skipName(msg: Buffer, at: number): number {
  for (;;) {
    const len = msg.readUInt8(at);
    if ((len & 0xc0) === 0xc0) return at + 2;
    if (len === 0) return at + 1;
    at += 1 + len;
  }
}

function addressText(rdata: Buffer): string {
  if (rdata.length === 4) return [...rdata].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => rdata.readUInt16BE(i * 2).toString(16));
  // the longest run of two or more zero groups becomes ::
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** Throws on a message too short to be a DNS reply. */
export function decodeReply(msg: Buffer, qtype: number): DecodedReply {
  const id = msg.readUInt16BE(0);
  const rcodeNum = msg.readUInt16BE(2) & 0x000f;
  const [qd, an] = [msg.readUInt16BE(4), msg.readUInt16BE(6)];
  let at = 12;
  for (let i = 0; i < qd; i++) at = skipName(msg, at) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    at = skipName(msg, at);
    const type = msg.readUInt16BE(at);
    const rdlength = msg.readUInt16BE(at + 8);
    const rdata = msg.subarray(at + 10, at + 10 + rdlength);
    if (rdata.length !== rdlength) throw new Error('truncated answer');
    if (type === qtype && (rdlength === 4 || rdlength === 16)) addresses.push(addressText(rdata));
    at += 10 + rdlength;
  }
  return { id, rcode: RCODES[rcodeNum] ?? String(rcodeNum), addresses };
}
