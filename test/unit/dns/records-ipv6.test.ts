import { describe, expect, it } from 'vitest';
import { RecordTable, gatewayAddresses, type Resolution } from '../../../src/dns/records.js';
import { describeRecords } from '../../../src/dns/log.js';
import { QTYPE } from '../../../src/dns/wire.js';
import { addressOfReverseV6, canonicalAddress, formatIpv6Words, ipv6Bytes } from '../../../src/dns/ipv6-text.js';
import { container, network, state } from './fixture.js';

// The record table from state objects with netcore's IPv6 fields (subnet6, gateway6,
// enableIPv4, EndpointRecord.ipv6/prefixLen6): a dual-stack network, an IPv6-only one,
// and a container on both.
const dual = network('dual', { subnet: '172.30.0.0/16', gateway: '172.30.0.1', subnet6: 'fd5c:1a2b:3c4d::/64', gateway6: 'fd5c:1a2b:3c4d::1' });
const only6 = network('only6', { subnet: null, gateway: null, subnet6: 'fd00:6::/64', gateway6: 'FD00:6:0::1', enableIPv4: false });
const v4only = network('plain', { subnet: '172.31.0.0/16', gateway: '172.31.0.1', subnet6: null, gateway6: null });
const s = state([dual, only6, v4only], [
  container('web', [{ network: 'dual', ipv4: '172.30.0.2', ipv6: 'fd5c:1a2b:3c4d::2' }]),
  container('db', [{ network: 'dual', ipv4: '172.30.0.3', ipv6: 'fd5c:1a2b:3c4d:0:0:0:0:3', aliases: ['store'] }]),
  container('cache', [{ network: 'dual', ipv4: '172.30.0.4', aliases: ['store'] }]), // dual network, no IPv6 address
  container('six', [{ network: 'only6', ipv4: '', ipv6: 'fd00:6::2' }]),
  container('both', [{ network: 'only6', ipv4: '', ipv6: 'fd00:6::3' }, { network: 'plain', ipv4: '172.31.0.2' }]),
]);
const table = RecordTable.fromState(s);

function answers(client: string, name: string, qtype: number = QTYPE.AAAA): string[] | Resolution['kind'] {
  const r = table.resolve(client, { name, plainName: true, qtype, qclass: 1 });
  return r.kind === 'answer' ? describeRecords(r.answers).sort() : r.kind;
}

/** The ip6.arpa name of an address, as `dig -x` asks it. */
const reverse6 = (ip: string) => [...ipv6Bytes(ip)!.toString('hex')].reverse().join('.') + '.ip6.arpa';

describe('record table: IPv6', () => {
  it('listens on the IPv6 gateways too (one spelling), not on the IPv4 gateway of an IPv6-only network', () => {
    expect(gatewayAddresses(s)).toEqual(['172.30.0.1', '172.31.0.1', 'fd00:6::1', 'fd5c:1a2b:3c4d::1']);
    expect(gatewayAddresses(state([{ ...only6, gateway: '172.99.0.1' }], []))).toEqual(['fd00:6::1']);
  });

  it('AAAA: the IPv6 addresses of a name; a known name without IPv6 is NOERROR empty, not forwarded', () => {
    expect(answers('172.30.0.2', 'db')).toEqual(['fd5c:1a2b:3c4d::3']);
    expect(answers('172.30.0.2', 'db', QTYPE.A)).toEqual(['172.30.0.3']);
    expect(answers('172.30.0.2', 'cache')).toEqual([]);
    expect(answers('172.30.0.2', 'store')).toEqual(['fd5c:1a2b:3c4d::3']); // the alias: only the member with IPv6
    expect(answers('172.30.0.2', 'store', QTYPE.A)).toEqual(['172.30.0.3', '172.30.0.4']);
    expect(answers('fd00:6::3', 'six')).toEqual(['fd00:6::2']);
    expect(answers('fd00:6::3', 'six', QTYPE.A)).toEqual([]); // IPv6-only: A is the family it lacks
    expect(answers('172.30.0.2', 'nosuch')).toBe('forward');
  });

  it('knows the querier by its IPv6 source, written any way in the state', () => {
    expect(table.knowsClient('fd5c:1a2b:3c4d::3')).toBe(true); // state: fd5c:1a2b:3c4d:0:0:0:0:3
    expect(answers('fd5c:1a2b:3c4d::3', 'web')).toEqual(['fd5c:1a2b:3c4d::2']);
    // both is on only6 and plain: either of its addresses gives both networks
    expect(answers('fd00:6::3', 'six')).toEqual(answers('172.31.0.2', 'six'));
    expect(answers('fd5c:1a2b:3c4d::99', 'web')).toBe('refused');
    expect(answers('fe80::1', 'web')).toBe('refused'); // a link-local source is no container address
    expect(answers('fd00:6::2', 'web')).toBe('forward'); // six shares no network with web
  });

  it('PTR in ip6.arpa (32 nibbles) -> <name>.<network>.; partial or foreign names are forwarded', () => {
    expect(reverse6('fd5c:1a2b:3c4d::2')).toBe('2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.4.c.3.b.2.a.1.c.5.d.f.ip6.arpa');
    expect(answers('172.30.0.3', reverse6('fd5c:1a2b:3c4d::2'), QTYPE.PTR)).toEqual(['web.dual.']);
    expect(answers('fd5c:1a2b:3c4d::2', reverse6('fd5c:1a2b:3c4d::3'), QTYPE.PTR)).toEqual(['db.dual.']);
    expect(answers('fd00:6::3', reverse6('fd00:6::2'), QTYPE.PTR)).toEqual(['six.only6.']);
    expect(answers('172.30.0.2', reverse6('fd00:6::2'), QTYPE.PTR)).toBe('forward'); // not a shared network
    expect(answers('172.30.0.2', reverse6('fd5c:1a2b:3c4d::99'), QTYPE.PTR)).toBe('forward');
    expect(answers('172.30.0.2', 'd.4.c.3.b.2.a.1.c.5.d.f.ip6.arpa', QTYPE.PTR)).toBe('forward'); // a zone, not an address
    expect(answers('172.30.0.2', reverse6('fd5c:1a2b:3c4d::2').replace(/^2/, 'g'), QTYPE.PTR)).toBe('forward');
    expect(answers('172.30.0.2', reverse6('fd5c:1a2b:3c4d::2').replace(/^2/, '02'), QTYPE.PTR)).toBe('forward');
    expect(answers('172.30.0.2', '2.0.30.172.in-addr.arpa', QTYPE.PTR)).toEqual(['web.dual.']); // IPv4 PTR unchanged
  });

  it('SRV keeps A records only in the additional section (as Docker); an IPv6-only target has none', () => {
    const r = table.resolve('fd00:6::3', { name: '_80._tcp.six', plainName: true, qtype: QTYPE.SRV, qclass: 1 });
    expect(r).toEqual({ kind: 'answer', answers: [], additionals: [] });
  });
});

describe('IPv6 text', () => {
  it('one spelling (inet_ntop, RFC 5952): lower case, no leading zeros, the longest run of 2+ zero groups', () => {
    expect(canonicalAddress('FD00:0000:0000:0000:0000:0000:0000:0006')).toBe('fd00::6');
    expect(canonicalAddress('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // the first of equal runs
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // one zero group stays
    expect(canonicalAddress('::')).toBe('::');
    expect(canonicalAddress('::1')).toBe('::1');
    expect(canonicalAddress('fd00::')).toBe('fd00::');
    expect(canonicalAddress('::ffff:c000:201')).toBe('::ffff:192.0.2.1'); // inet_ntop's IPv4-mapped form
    expect(canonicalAddress('172.18.0.2')).toBe('172.18.0.2');
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80::1%eth0'); // a zone: left alone
    expect(formatIpv6Words(0xfd5c1a2b, 0x3c4d0000, 0, 2)).toBe('fd5c:1a2b:3c4d::2');
    expect(ipv6Bytes('nonsense')).toBeNull();
  });

  it('reverse names: exactly 32 nibbles under ip6.arpa', () => {
    expect(addressOfReverseV6(reverse6('fd00:6::2'))).toBe('fd00:6::2');
    expect(addressOfReverseV6('1.0.0.ip6.arpa')).toBeNull();
    expect(addressOfReverseV6('2.0.30.172.in-addr.arpa')).toBeNull();
  });
});
