import type { PathFacts, PathFamilyEnd, PathLink } from '../../../../../src/diag/checks/path/facts.js';

const link = (ifname: string, more: Partial<PathLink> = {}): PathLink => ({
  ifname, ifindex: 2, up: true, carrier: true, operstate: 'UP', mtu: 1500, mac: null, master: null, kind: 'veth', portState: null, ...more,
});

const mac = { web: '02:42:ac:12:00:03', db: '02:42:ac:12:00:02' };

/** web and db on the dual-stack app (172.18.0.0/16, fd00:1::/64), as a healthy host reads them */
export function dualStack(): PathFacts {
  const end = (name: 'web' | 'db', address: string, hostIf: string) => ({
    name, ifname: 'eth0', address, prefixLen: 16, mac: mac[name], hostIf,
    links: [link('lo', { kind: null }), link('eth0', { mac: mac[name] })],
    addresses: [{ ifname: 'eth0', address, prefixLen: 16 }],
    route: { dev: 'eth0', gateway: null, src: address, error: null },
    routes: [{ dst: '172.18.0.0/16', dev: 'eth0', gateway: null }],
    neighbours: [],
  });
  const end6 = (address: string): PathFamilyEnd => ({
    address, prefixLen: 64,
    addresses: [{ ifname: 'eth0', address, prefixLen: 64 }, { ifname: 'eth0', address: 'fe80::42:acff:fe12:3', prefixLen: 64 }],
    route: { dev: 'eth0', gateway: null, src: address, error: null },
    routes: [{ dst: 'fd00:1::/64', dev: 'eth0', gateway: null }, { dst: 'default', dev: 'eth0', gateway: 'fd00:1::1' }],
    neighbours: [],
  });
  return {
    network: 'app', subnet: '172.18.0.0/16', bridge: 'br-app',
    from: end('web', '172.18.0.3', 'vethweb'), to: end('db', '172.18.0.2', 'vethdb'),
    v6: { subnet: 'fd00:1::/64', gateway: 'fd00:1::1', from: end6('fd00:1::3'), to: end6('fd00:1::2') },
    hostLinks: [link('br-app', { kind: 'bridge' }), link('vethweb', { master: 'br-app', portState: 'forwarding' }), link('vethdb', { master: 'br-app', portState: 'forwarding' })],
    others: [],
    fix: { backend: 'native', hostNetns: 'lab', pids: {} },
  };
}
