import { describe, expect, it } from 'vitest';
import { dnsTypeName } from '../../../src/capture/decode/dns-names.js';
import { relativeTime } from '../../../src/capture/decode/dns.js';
import { filterWithDirection, parseDirection } from '../../../src/capture/live/direction.js';

/**
 * What the local tcpdump 4.99.3 cannot be the oracle for: the record type
 * names of tcpdump 4.99.6 (synced with IANA after 4.99.3, which prints
 * Type64), and the -Q filter term. Everything else is compared with tcpdump
 * itself in fixtures-vs-tcpdump.test.ts.
 */
describe('tables', () => {
  it('names DNS record types as tcpdump 4.99.6', () => {
    expect([63, 64, 65, 258, 259, 260].map(dnsTypeName)).toEqual(['ZONEMD', 'SVCB', 'HTTPS', 'AVC', 'DOA', 'AMTRELAY']);
    expect(dnsTypeName(54)).toBe('Type54');
  });
  it('writes TTLs as unsigned_relts_print', () => {
    expect([0, 59, 3600, 86461, 31536000 + 604800 + 1].map(relativeTime)).toEqual(['0s', '59s', '1h', '1d1m1s', '1y1w1s']);
  });
});

describe('-Q', () => {
  it('parses tcpdump words in any case', () => {
    expect(['in', 'OUT', 'InOut', 'both'].map(parseDirection)).toEqual(['in', 'out', 'inout', null]);
  });
  it('adds inbound/outbound to the filter, keeping its precedence', () => {
    expect(filterWithDirection('', 'in')).toBe('inbound');
    expect(filterWithDirection('tcp or udp', 'out')).toBe('outbound and (tcp or udp)');
    expect(filterWithDirection('icmp', 'inout')).toBe('icmp');
  });
});
