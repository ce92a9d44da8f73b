import { describe, expect, it } from 'vitest';
import { ipamOverlap, type IpamFacts } from '../../../../../src/diag/checks/ipam/ipam.js';

const base: IpamFacts = {
  backend: 'native', hostNetns: 'lab',
  networks: [{ name: 'app', subnet: '172.18.0.0/16', driver: 'bridge', bridge: 'br-0123456789ab' }],
  routes: [
    { dst: 'default', dev: 'eth0', gateway: '198.18.0.1', protocol: null },
    { dst: '198.18.0.0/24', dev: 'eth0', gateway: null, protocol: 'kernel' },
    { dst: '172.18.0.0/16', dev: 'br-0123456789ab', gateway: null, protocol: 'kernel' },
  ],
  addresses: [
    { ifname: 'lo', address: '127.0.0.1', prefixLen: 8 },
    { ifname: 'eth0', address: '198.18.0.2', prefixLen: 24 },
    { ifname: 'br-0123456789ab', address: '172.18.0.1', prefixLen: 16 },
  ],
  nameservers: ['198.18.0.1'],
};

describe('ipam.overlap verdicts', () => {
  it('passes on a healthy host: the network\'s own bridge does not count', () => {
    const v = ipamOverlap.judge(base);
    expect(v.status).toBe('pass');
    expect(v.evidence).toContain('network app: 172.18.0.0/16');
  });
  it('a VPN route inside the subnet: remove it (or move the network to a free subnet)', () => {
    const v = ipamOverlap.judge({ ...base, routes: [...base.routes, { dst: '172.18.5.0/24', dev: 'eth0', gateway: '198.18.0.1', protocol: null }] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('network app (172.18.0.0/16) overlaps host route 172.18.5.0/24 via 198.18.0.1 dev eth0');
    expect(v.fix).toBe('ip netns exec lab ip route del 172.18.5.0/24 via 198.18.0.1 dev eth0');
    expect(v.evidence.join('\n')).toMatch(/network create --subnet 172\.19\.0\.0\/16 app/);
  });
  it('a wider route that contains the subnet, a LAN address, a nameserver: recreate on a free subnet', () => {
    const wide = ipamOverlap.judge({ ...base, routes: [...base.routes, { dst: '172.16.0.0/12', dev: 'wg0', gateway: null, protocol: 'static' }] });
    expect(wide.status).toBe('fail');
    const lan = ipamOverlap.judge({ ...base, addresses: [...base.addresses, { ifname: 'eth1', address: '172.18.200.7', prefixLen: 24 }] });
    expect(lan.summary).toMatch(/host address 172\.18\.200\.7\/24 on eth1/);
    expect(lan.fix).toBe('tsdiag --host-netns lab network rm app && tsdiag --host-netns lab network create --subnet 172.19.0.0/16 app');
    const ns = ipamOverlap.judge({ ...base, nameservers: ['172.18.0.53'], backend: 'docker', hostNetns: null });
    expect(ns.summary).toMatch(/nameserver 172\.18\.0\.53/);
    expect(ns.fix).toBe('docker network rm app && docker network create --subnet 172.19.0.0/16 app');
  });
  it('a macvlan network shares its parent\'s LAN by design', () => {
    const v = ipamOverlap.judge({ ...base, networks: [{ name: 'lan', subnet: '198.18.0.0/24', driver: 'macvlan', bridge: null }] });
    expect(v.status).toBe('pass');
  });
});
