import { describe, expect, it } from 'vitest';
import { ipamOverlap, type IpamFacts } from '../../../../../src/diag/checks/ipam/ipam.js';

const br = 'br-0123456789ab';
const base: IpamFacts = {
  backend: 'native', hostNetns: 'lab',
  networks: [{ name: 'app', subnet: '172.18.0.0/16', driver: 'bridge', bridge: br }],
  routes: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', protocol: null }],
  addresses: [{ ifname: 'eth0', address: '198.18.0.2', prefixLen: 24 }],
  nameservers: ['198.18.0.1'],
  networks6: [{ name: 'app', subnet: 'fd00:1::/64', driver: 'bridge', bridge: br }],
  routes6: [
    { dst: 'default', dev: 'eth0', gateway: '2001:2::1', protocol: null },
    { dst: 'fe80::/64', dev: 'eth0', gateway: null, protocol: 'kernel' },
    { dst: 'fd00:1::/64', dev: br, gateway: null, protocol: 'kernel' },
  ],
  addresses6: [
    { ifname: 'lo', address: '::1', prefixLen: 128 }, { ifname: 'eth0', address: '2001:2::2', prefixLen: 64 },
    { ifname: 'eth0', address: 'fe80::1', prefixLen: 64 }, { ifname: br, address: 'fd00:1::1', prefixLen: 64 },
  ],
};

describe('ipam.overlap for IPv6 subnets', () => {
  it('a healthy dual-stack host passes: link-local and the bridge\'s own prefix do not count', () => {
    const v = ipamOverlap.judge(base);
    expect(v.status).toBe('pass');
    expect(v.evidence).toContain('network app: fd00:1::/64');
  });
  it('a host route inside the IPv6 subnet is named, and deleted by the fix', () => {
    const v = ipamOverlap.judge({ ...base, routes6: [...base.routes6!, { dst: 'fd00:1::/80', dev: 'eth0', gateway: null, protocol: null }] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('network app (fd00:1::/64) overlaps host route fd00:1::/80 dev eth0');
    expect(v.fix).toBe('ip netns exec lab ip route del fd00:1::/80 dev eth0');
  });
  it('a host address in the IPv6 subnet: move the network to another IPv6 subnet', () => {
    const v = ipamOverlap.judge({ ...base, addresses6: [...base.addresses6!, { ifname: 'wg0', address: 'fd00:1::99', prefixLen: 64 }] });
    expect(v.summary).toBe('network app (fd00:1::/64) overlaps host address fd00:1::99/64 on wg0');
    expect(v.fix).toContain('network create --ipv6 --subnet FREE-IPV6-SUBNET app');
  });
  it('an IPv4 route never overlaps an IPv6 subnet', () => {
    expect(ipamOverlap.judge({ ...base, routes: [...base.routes, { dst: '10.0.0.0/8', dev: 'eth0', gateway: null, protocol: null }] }).status).toBe('pass');
  });
});
