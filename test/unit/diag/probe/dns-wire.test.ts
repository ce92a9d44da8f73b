import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeReply, encodeQuery, QTYPE } from '../../../../src/diag/probe/dns-wire.js';

/** The probe agent's own DNS messages, checked against the dns2 library (which the agent no longer loads). */
const { Packet } = createRequire(import.meta.url)('dns2') as {
  Packet: {
    new (): { header: Record<string, number>; questions: object[]; answers: object[]; toBuffer(): Buffer };
    parse(buf: Buffer): { header: { id: number; rd: number }; questions: Array<{ name: string; type: number; class: number }> };
    TYPE: Record<string, number>;
    CLASS: Record<string, number>;
  };
};

function reply(id: number, rcode: number, answers: object[]): Buffer {
  const p = new Packet();
  Object.assign(p.header, { id, qr: 1, rd: 1, ra: 1, rcode });
  p.questions.push({ name: 'db.app', type: Packet.TYPE.A, class: Packet.CLASS.IN });
  p.answers.push(...answers);
  return p.toBuffer();
}

describe("the probe agent's DNS messages", () => {
  it('a query dns2 reads as one recursive question', () => {
    const q = Packet.parse(encodeQuery(4242, 'db.app.', QTYPE.A));
    expect(q.header).toMatchObject({ id: 4242, rd: 1 });
    expect(q.questions).toEqual([{ name: 'db.app', type: Packet.TYPE.A, class: Packet.CLASS.IN }]);
    expect(Packet.parse(encodeQuery(1, 'x', QTYPE.AAAA)).questions[0]!.type).toBe(Packet.TYPE.AAAA);
  });
  it('the answers of the asked type from a reply (compressed names, other types skipped), and its rcode', () => {
    const msg = reply(7, 0, [
      { name: 'db.app', type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 600, domain: 'db2.app' },
      { name: 'db.app', type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 600, address: '172.18.0.2' },
      { name: 'db.app', type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 600, address: '172.18.0.3' },
    ]);
    expect(decodeReply(msg, QTYPE.A)).toEqual({ id: 7, rcode: 'NOERROR', addresses: ['172.18.0.2', '172.18.0.3'] });
    expect(decodeReply(reply(8, 3, []), QTYPE.A)).toEqual({ id: 8, rcode: 'NXDOMAIN', addresses: [] });
    expect(decodeReply(reply(9, 2, []), QTYPE.A).rcode).toBe('SERVFAIL');
  });
  it('IPv6 answers in their short form', () => {
    const msg = reply(1, 0, [{ name: 'db.app', type: Packet.TYPE.AAAA, class: Packet.CLASS.IN, ttl: 60, address: 'fd00:0:0:0:0:0:0:12' }]);
    expect(decodeReply(msg, QTYPE.AAAA).addresses).toEqual(['fd00::12']);
  });
  it('throws on a message cut short, rather than inventing answers', () => {
    const msg = reply(1, 0, [{ name: 'db.app', type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: '10.0.0.1' }]);
    expect(() => decodeReply(msg.subarray(0, msg.length - 2), QTYPE.A)).toThrow();
  });
});
