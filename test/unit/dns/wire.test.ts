import { describe, expect, it } from 'vitest';
import { Packet } from 'dns2';
import { queryBytes } from './messages.js';
import {
  QTYPE, RCODE, encodeHeaderOnly, encodeResponse, isRejection, parseQuery, udpLimitOf, type AnswerRecord, type Query,
} from '../../../src/dns/wire.js';

function parsed(buf: Buffer): Query {
  const q = parseQuery(buf);
  if (isRejection(q)) throw new Error(`rejected: ${JSON.stringify(q)}`);
  return q;
}

const a = (ip: string): AnswerRecord => ({ owner: null, type: QTYPE.A, ttl: 600, data: Buffer.from(ip.split('.').map(Number)) });

describe('query parser', () => {
  it('reads id, lower-cased name, type, class, EDNS size', () => {
    const q = parsed(queryBytes('Web.App', QTYPE.AAAA, { id: 7, ednsSize: 4096 }));
    expect(q).toMatchObject({ id: 7, name: 'web.app', plainName: true, qtype: QTYPE.AAAA, qclass: 1, ednsSize: 4096 });
    expect(udpLimitOf(q)).toBe(4096);
    expect(udpLimitOf(parsed(queryBytes('web')))).toBe(512);
    expect(parsed(queryBytes('web', 1, { ednsSize: 100 })).ednsSize).toBe(512); // below 512 means 512
  });

  it('treats the root and a trailing dot alike', () => {
    expect(parsed(queryBytes('')).name).toBe('');
  });

  it('marks names with odd bytes so that they match nothing', () => {
    expect(parsed(queryBytes('we\x00b')).plainName).toBe(false);
    expect(parsed(queryBytes('a.b', 1)).plainName).toBe(true);
    const dotted = Buffer.concat([Buffer.alloc(12), Buffer.from([3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1])]);
    dotted.writeUInt16BE(1, 4);
    expect(parsed(dotted)).toMatchObject({ name: 'a.b', plainName: false });
  });

  it('drops what has no header and responses; FORMERR for zero or many questions; NOTIMP for other opcodes', () => {
    expect(parseQuery(Buffer.alloc(11))).toEqual({ kind: 'drop' });
    expect(parseQuery(queryBytes('web', 1, { flags: 0x8100 }))).toEqual({ kind: 'drop' });
    expect(parseQuery(queryBytes('web', 1, { qdcount: 0 }))).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
    expect(parseQuery(queryBytes('web', 1, { qdcount: 2 }))).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
    expect(parseQuery(queryBytes('web', 1, { flags: 0x2800 }))).toEqual({ kind: 'error', rcode: RCODE.NOTIMP });
    expect(parseQuery(Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]))).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
  });

  it('rejects compression loops, forward pointers and truncated labels', () => {
    const loop = Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(parseQuery(loop)).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
    const forward = Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 14, 0, 1, 0, 1, 1, 0x61, 0])]);
    expect(parseQuery(forward)).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
    const short = Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([5, 0x61, 0x62])]);
    expect(parseQuery(short)).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
    const reserved = Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0x41, 0, 0, 1, 0, 1])]);
    expect(parseQuery(reserved)).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
  });

  it('accepts a 255-byte name and refuses a 256-byte one', () => {
    const label = (n: number) => 'a'.repeat(n);
    const name255 = [label(63), label(63), label(63), label(61)].join('.'); // 4*(1+len)+1 = 255
    expect(parsed(queryBytes(name255)).name).toBe(name255);
    const name256 = [label(63), label(63), label(63), label(62)].join('.');
    expect(parseQuery(queryBytes(name256))).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
  });

  it('FORMERR when the records after the question run past the end', () => {
    const q = queryBytes('web');
    q.writeUInt16BE(1, 6); // claims one answer that is not there
    expect(parseQuery(q)).toEqual({ kind: 'error', rcode: RCODE.FORMERR });
  });
});

describe('response encoder', () => {
  it('writes answers that a general decoder (dns2) reads back, names compressed to the question', () => {
    const raw = queryBytes('Web', QTYPE.A, { id: 99 });
    const out = encodeResponse(parsed(raw), raw, { rcode: 0, answers: [a('10.0.0.1'), a('10.0.0.2')], maxSize: 512 });
    expect(out.length).toBe(12 + 9 + 2 * 16);
    const p = Packet.parse(out);
    expect(p.header).toMatchObject({ id: 99, qr: 1, rcode: 0, tc: 0, rd: 1, ra: 1 });
    expect(p.questions[0]).toMatchObject({ name: 'Web', type: 1, class: 1 });
    expect(p.answers.map((x: any) => [x.name, x.address, x.ttl])).toEqual([['Web', '10.0.0.1', 600], ['Web', '10.0.0.2', 600]]);
  });

  it('writes PTR and SRV with additional A records', () => {
    const raw = queryBytes('_80._tcp.pool', QTYPE.SRV);
    const srv: AnswerRecord = { owner: null, type: QTYPE.SRV, ttl: 600, data: { priority: 0, weight: 0, port: 80, target: 'pool1.front' } };
    const out = encodeResponse(parsed(raw), raw, { rcode: 0, answers: [srv], additionals: [{ ...a('10.0.0.5'), owner: 'pool1.front' }], maxSize: 512 });
    const p = Packet.parse(out);
    expect(p.answers[0]).toMatchObject({ type: QTYPE.SRV, port: 80, target: 'pool1.front' });
    expect(p.additionals[0]).toMatchObject({ name: 'pool1.front', type: 1, address: '10.0.0.5' });
    const rawPtr = queryBytes('2.0.0.10.in-addr.arpa', QTYPE.PTR);
    const ptr = encodeResponse(parsed(rawPtr), rawPtr, { rcode: 0, answers: [{ owner: null, type: QTYPE.PTR, ttl: 600, data: 'web.front' }], maxSize: 512 });
    expect(Packet.parse(ptr).answers[0]).toMatchObject({ type: QTYPE.PTR, domain: 'web.front' });
  });

  it('cuts at the size limit with TC, whole records only; adds OPT when asked with EDNS', () => {
    const many = Array.from({ length: 60 }, (_, i) => a(`10.0.0.${i}`));
    const raw = queryBytes('many');
    const cut = encodeResponse(parsed(raw), raw, { rcode: 0, answers: many, maxSize: 512 });
    expect(cut.length).toBeLessThanOrEqual(512);
    expect(cut.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(cut.readUInt16BE(6)).toBe(Math.floor((512 - 12 - 10) / 16));
    const full = encodeResponse(parsed(raw), raw, { rcode: 0, answers: many, maxSize: 65535 });
    expect(full.readUInt16BE(6)).toBe(60);
    expect(full.readUInt16BE(2) & 0x0200).toBe(0);
    const rawEdns = queryBytes('many', 1, { ednsSize: 700 });
    const edns = encodeResponse(parsed(rawEdns), rawEdns, { rcode: 0, answers: many, maxSize: 700 });
    expect(edns.length).toBeLessThanOrEqual(700);
    expect(edns.readUInt16BE(10)).toBe(1); // the OPT record
    expect(Packet.parse(edns).additionals[0]).toMatchObject({ type: QTYPE.OPT });
  });

  it('header-only errors keep id and opcode', () => {
    const raw = queryBytes('web', 1, { id: 0xbeef, flags: 0x2900 });
    const out = encodeHeaderOnly(raw, RCODE.NOTIMP);
    expect(out.length).toBe(12);
    expect(out.readUInt16BE(0)).toBe(0xbeef);
    expect(out.readUInt16BE(2) & 0x780f).toBe(0x2804);
  });
});
