import { describe, expect, it } from 'vitest';
import { allocateAddress, macForAddress, pickSubnet, planSubnet } from '../../../src/netcore/bridge/ipam.js';
import { formatCidr, overlaps, parseCidr } from '../../../src/netcore/ipv4.js';
import { UsageError } from '../../../src/netcore/errors.js';

describe('ipv4', () => {
  it('parses and formats CIDRs and refuses host bits', () => {
    expect(formatCidr(parseCidr('10.1.0.0/16'))).toBe('10.1.0.0/16');
    expect(() => parseCidr('10.1.0.1/16')).toThrow(/host bits/);
    expect(() => parseCidr('10.1.0.0/33')).toThrow(UsageError);
    expect(() => parseCidr('300.1.0.0/16')).toThrow(UsageError);
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.5.0.0/16'))).toBe(true);
    expect(overlaps(parseCidr('10.0.0.0/16'), parseCidr('10.1.0.0/16'))).toBe(false);
  });
});

describe('subnets from Docker default pools', () => {
  it('takes 172.18/16 first, skips taken ones, then 192.168/20s', () => {
    expect(formatCidr(pickSubnet([]))).toBe('172.18.0.0/16');
    expect(formatCidr(pickSubnet([parseCidr('172.18.0.0/16'), parseCidr('172.19.5.0/24')]))).toBe('172.20.0.0/16');
    const all172 = Array.from({ length: 14 }, (_, i) => parseCidr(`172.${18 + i}.0.0/16`));
    expect(formatCidr(pickSubnet(all172))).toBe('192.168.0.0/20');
    expect(formatCidr(pickSubnet([...all172, parseCidr('192.168.1.0/24')]))).toBe('192.168.16.0/20');
  });

  it('skips a subnet that overlaps a host route', () => {
    const plan = planSubnet({ subnet: null, gateway: null, ipRange: null, existing: [], hostRoutes: [parseCidr('172.16.0.0/12')] });
    expect(plan.subnet).toBe('192.168.0.0/20');
  });

  it('validates --subnet, --gateway and --ip-range like docker network create', () => {
    const ok = planSubnet({ subnet: '10.10.0.0/24', gateway: '10.10.0.254', ipRange: '10.10.0.128/25', existing: [], hostRoutes: [] });
    expect(ok).toEqual({ subnet: '10.10.0.0/24', gateway: '10.10.0.254', ipRange: '10.10.0.128/25' });
    expect(() => planSubnet({ subnet: '10.10.0.0/24', gateway: '10.11.0.1', ipRange: null, existing: [], hostRoutes: [] })).toThrow(/not a usable address/);
    expect(() => planSubnet({ subnet: '10.10.0.0/24', gateway: null, ipRange: '10.11.0.0/25', existing: [], hostRoutes: [] })).toThrow(/not inside/);
    expect(() => planSubnet({ subnet: '10.10.0.0/24', gateway: null, ipRange: null, existing: [parseCidr('10.10.0.0/16')], hostRoutes: [] })).toThrow(/overlaps/);
    expect(() => planSubnet({ subnet: null, gateway: '10.0.0.1', ipRange: null, existing: [], hostRoutes: [] })).toThrow(/need --subnet/);
  });
});

describe('address allocation', () => {
  const base = { subnet: '10.0.0.0/29', gateway: '10.0.0.1', ipRange: null, requested: null };
  it('hands out addresses in order, never gateway, network or broadcast', () => {
    expect(allocateAddress({ ...base, used: [] })).toBe('10.0.0.2');
    expect(allocateAddress({ ...base, used: ['10.0.0.2', '10.0.0.3'] })).toBe('10.0.0.4');
    expect(() => allocateAddress({ ...base, used: ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'] })).toThrow(/no available/);
  });
  it('honours --ip-range and --ip', () => {
    expect(allocateAddress({ ...base, subnet: '10.0.0.0/24', ipRange: '10.0.0.128/25', used: [] })).toBe('10.0.0.128');
    expect(allocateAddress({ ...base, used: [], requested: '10.0.0.6' })).toBe('10.0.0.6');
    expect(() => allocateAddress({ ...base, used: ['10.0.0.6'], requested: '10.0.0.6' })).toThrow(/already in use/);
    expect(() => allocateAddress({ ...base, used: [], requested: '10.0.0.7' })).toThrow(/not a usable/);
    expect(() => allocateAddress({ ...base, used: [], requested: '10.0.0.1' })).toThrow(/already in use/);
  });
  it('derives the MAC from the address as Docker does', () => {
    expect(macForAddress('172.17.0.2')).toBe('02:42:ac:11:00:02');
  });
});

describe('serial allocation', () => {
  it('goes on after the last address handed out and wraps around, like libnetwork', () => {
    const base = { subnet: '10.0.0.0/29', gateway: '10.0.0.1', ipRange: null, requested: null };
    expect(allocateAddress({ ...base, used: ['10.0.0.3'], last: '10.0.0.3' })).toBe('10.0.0.4');
    // 10.0.0.2 was just released: it is not reused while later ones are free
    expect(allocateAddress({ ...base, used: ['10.0.0.3'], last: '10.0.0.3' })).not.toBe('10.0.0.2');
    expect(allocateAddress({ ...base, used: ['10.0.0.3'], last: '10.0.0.6' })).toBe('10.0.0.2');
  });
});
