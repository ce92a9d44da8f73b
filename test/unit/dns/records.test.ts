import { describe, expect, it } from 'vitest';
import { RecordTable, gatewayAddresses, type Resolution } from '../../../src/dns/records.js';
import { QTYPE } from '../../../src/dns/wire.js';
import { describeRecords } from '../../../src/dns/log.js';
import { WEB_ID, sampleState } from './fixture.js';

const table = RecordTable.fromState(sampleState());
const WEB = '127.0.1.2';
const API = '127.0.1.3';
const DB = '127.0.2.4';

function ask(client: string, name: string, qtype: number = QTYPE.A, qclass = 1): Resolution {
  return table.resolve(client, { name, plainName: true, qtype, qclass });
}

/** The answers as text, sorted (order is shuffled), or the kind when not answered. */
function answers(client: string, name: string, qtype: number = QTYPE.A): string[] | 'forward' | 'refused' {
  const r = ask(client, name, qtype);
  return r.kind === 'answer' ? describeRecords(r.answers).sort() : r.kind;
}

describe('record table', () => {
  it('serves only user-defined bridge networks, on their gateways', () => {
    expect(gatewayAddresses(sampleState())).toEqual(['127.0.1.1', '127.0.2.1', '127.0.4.1', '127.0.5.1']);
    expect(ask('127.0.3.5', 'web').kind).toBe('refused'); // default bridge container: no embedded DNS
    expect(ask('127.0.6.5', 'web').kind).toBe('refused'); // macvlan
  });

  it('refuses clients that are no known container, whatever they ask', () => {
    expect(ask('127.0.9.9', 'web').kind).toBe('refused');
    expect(ask('127.0.9.9', 'example.test', QTYPE.TXT).kind).toBe('refused');
  });

  it('resolves names within shared networks only', () => {
    expect(answers(WEB, 'api')).toEqual(['127.0.1.3']);
    expect(answers(DB, 'api')).toEqual(['127.0.2.3']); // the address on the network db shares
    expect(answers(WEB, 'db')).toBe('forward');
    expect(answers(API, 'db')).toEqual(['127.0.2.4']);
    expect(answers(DB, 'web')).toBe('forward');
  });

  it('is case-insensitive (names arrive lower-cased from the parser) and knows aliases', () => {
    expect(answers(API, 'www')).toEqual([WEB]);
    expect(answers(API, 'database')).toEqual([DB]);
    expect(answers(DB, 'service')).toEqual(['127.0.2.3']);
    expect(answers(WEB, 'service')).toBe('forward'); // scoped to network back
  });

  it('looks up aliases before container names', () => {
    expect(answers(WEB, 'named')).toEqual(['127.0.1.21']);
  });

  it('resolves the first 12 hex of a container id', () => {
    expect(answers(API, WEB_ID.slice(0, 12))).toEqual([WEB]);
    expect(answers(API, WEB_ID.slice(0, 11))).toBe('forward');
  });

  it('name.network: a.b.c, then a.b in network c, then a in network b.c', () => {
    expect(answers(API, 'db.back')).toEqual([DB]);
    expect(answers(API, 'web.front')).toEqual([WEB]);
    expect(answers(WEB, 'db.back')).toBe('forward'); // web is not on back
    expect(answers(WEB, 'cache.back')).toEqual(['127.0.1.7']); // the full name wins
    expect(answers('127.0.4.2', 'x.corp.lan')).toEqual(['127.0.4.2']);
    expect(answers(API, 'db.front')).toBe('forward');
  });

  it('returns every address of a shared alias, shuffled per query', () => {
    expect(answers(WEB, 'pool')).toEqual(['127.0.1.10', '127.0.1.11', '127.0.1.12']);
    const orders = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const r = ask(WEB, 'pool');
      if (r.kind === 'answer') orders.add(describeRecords(r.answers).join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('A/AAAA: a known name without that family is an empty answer, not forwarded', () => {
    expect(answers(WEB, 'api', QTYPE.AAAA)).toEqual([]);
    expect(answers(WEB, 'v6', QTYPE.AAAA)).toEqual(['fd00::6']);
    expect(answers(WEB, 'v6', QTYPE.A)).toEqual(['127.0.1.6']);
    expect(answers(WEB, 'nosuch', QTYPE.AAAA)).toBe('forward');
  });

  it('TTL is 600', () => {
    const r = ask(WEB, 'api');
    expect(r.kind === 'answer' && r.answers[0]!.ttl).toBe(600);
  });

  it('PTR gives <name>.<network>. for a shared network, else forwards', () => {
    expect(answers(WEB, '3.1.0.127.in-addr.arpa', QTYPE.PTR)).toEqual(['api.front.']);
    expect(answers(DB, '3.2.0.127.in-addr.arpa', QTYPE.PTR)).toEqual(['api.back.']);
    expect(answers(WEB, '4.2.0.127.in-addr.arpa', QTYPE.PTR)).toBe('forward');
    expect(answers(WEB, '99.1.0.127.in-addr.arpa', QTYPE.PTR)).toBe('forward');
    expect(answers(WEB, '1.0.127.in-addr.arpa', QTYPE.PTR)).toBe('forward');
  });

  it('MX for a known name is an empty answer; for others it is forwarded', () => {
    expect(answers(WEB, 'api', QTYPE.MX)).toEqual([]);
    expect(answers(WEB, 'nosuch', QTYPE.MX)).toBe('forward');
  });

  it('SRV _port._proto.name: targets and ports, A records in the additional section', () => {
    const r = ask(WEB, '_80._tcp.pool', QTYPE.SRV);
    expect(r.kind).toBe('answer');
    if (r.kind !== 'answer') return;
    expect(describeRecords(r.answers).sort()).toEqual(['pool1.front.:80', 'pool2.front.:80', 'pool3.front.:80']);
    expect(r.answers.every((a) => a.type === QTYPE.SRV)).toBe(true);
    expect(r.additionals!.map((a) => `${a.owner} ${describeRecords([a])[0]}`).sort()).toEqual([
      'pool1.front 127.0.1.10', 'pool2.front 127.0.1.11', 'pool3.front 127.0.1.12',
    ]);
    expect(answers(WEB, '_80._tcp.nosuch', QTYPE.SRV)).toBe('forward');
    expect(answers(WEB, '_http._tcp.pool', QTYPE.SRV)).toBe('forward');
    expect(answers(WEB, '_80._sctp.pool', QTYPE.SRV)).toBe('forward');
  });

  it('forwards every other type, class, odd name and unknown name', () => {
    expect(answers(WEB, 'api', QTYPE.TXT)).toBe('forward');
    expect(answers(WEB, 'api', QTYPE.CNAME)).toBe('forward');
    expect(ask(WEB, 'api', QTYPE.A, 3).kind).toBe('forward'); // CHAOS
    expect(table.resolve(WEB, { name: 'api', plainName: false, qtype: QTYPE.A, qclass: 1 }).kind).toBe('forward');
    expect(answers(WEB, '')).toBe('forward');
    expect(answers(WEB, 'example.test')).toBe('forward');
  });
});
