/** A query as a client sends it: header, labels, type, class; optionally an OPT record. */
export function queryBytes(name: string, qtype = 1, opts: { id?: number; ednsSize?: number; qdcount?: number; flags?: number } = {}): Buffer {
  const labels = name ? name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(opts.id ?? 0x1234, 0);
  header.writeUInt16BE(opts.flags ?? 0x0100, 2);
  header.writeUInt16BE(opts.qdcount ?? 1, 4);
  const question = Buffer.concat([...labels, Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1])]);
  if (opts.ednsSize === undefined) return Buffer.concat([header, question]);
  header.writeUInt16BE(1, 10);
  const opt = Buffer.from([0, 0, 41, opts.ednsSize >> 8, opts.ednsSize & 0xff, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, question, opt]);
}
