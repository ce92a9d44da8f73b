import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nsOps from '../../src/diag/probe/ns-ops.js';
import { ipv4Addresses, ipv4Routes, ipv6Addresses, ipv6Routes, linkDetails, permanentNeighbours, vxlanLinks } from '../../src/netcore/kernel/inspect.js';
import { readLinks } from '../../src/netcore/kernel/links.js';
import { listLinks } from '../../src/netcore/kernel/veth-peer.js';
import { hostIpv4Ranges, linkExists, linkNames } from '../../src/netcore/kernel/hostfacts.js';
import { formatCidr } from '../../src/netcore/ipv4.js';
import { rtnlAvailable } from '../../src/netcore/kernel/rtnl/read.js';
import { thrown } from '../helpers/addon-hidden.js';
import { withConfig } from '../helpers/config.js';

// The netlink readers (tsdiag-native's rtnl() and src/netcore/kernel/rtnl) against
// `ip -j` itself, the peer they stand in for: every reader runs twice over
// the same two test namespaces, once over netlink and once with
// TSDIAG_NATIVE=-netlink, and must give the same records. The namespaces hold
// what a doctor meets: a bridge with a port, a veth to another namespace and
// one inside the namespace, a bridge with no port but two addresses and an MTU, a VXLAN,
// routes of several protocols, types and tables, neighbours in several states.
const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const [A, B] = [`tsdrtA${tag}`, `tsdrtB${tag}`];
const [pathA, pathB] = [`/run/netns/${A}`, `/run/netns/${B}`];
const addon = createRequire(import.meta.url)('tsdiag-native') as { rtnl(netnsPath: unknown, request: unknown): Buffer };

const ip = (ns: string, ...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });

beforeAll(() => {
  execFileSync('ip', ['netns', 'add', A]);
  execFileSync('ip', ['netns', 'add', B]);
  for (const ns of [A, B]) ip(ns, 'link', 'set', 'lo', 'up');
  ip(A, 'link', 'add', 'br0', 'type', 'bridge');
  ip(A, 'addr', 'add', '10.77.0.1/24', 'dev', 'br0');
  ip(A, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', B);
  ip(A, 'link', 'set', 'va', 'master', 'br0');
  ip(A, 'link', 'add', 'vs1', 'type', 'veth', 'peer', 'name', 'vs2');
  ip(A, 'link', 'add', 'd0', 'mtu', '1400', 'type', 'bridge');
  ip(A, 'addr', 'add', '192.0.2.1/24', 'dev', 'd0');
  ip(A, 'addr', 'add', '192.0.2.9/24', 'dev', 'd0');
  ip(A, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dev', 'd0', 'local', '192.0.2.1', 'dstport', '4789');
  // a bridge port whose peer is down: up without carrier, port state disabled
  ip(A, 'link', 'add', 'vd1', 'type', 'veth', 'peer', 'name', 'vd2');
  ip(A, 'link', 'set', 'vd1', 'master', 'br0');
  for (const dev of ['br0', 'va', 'vs1', 'vs2', 'd0', 'vx0', 'vd1']) ip(A, 'link', 'set', dev, 'up');
  ip(A, 'link', 'set', 'vs2', 'arp', 'off');
  ip(B, 'addr', 'add', '10.77.0.2/24', 'dev', 'vb');
  ip(B, 'link', 'set', 'vb', 'up');
  ip(A, 'route', 'add', 'default', 'via', '192.0.2.254', 'dev', 'd0');
  ip(A, 'route', 'add', '198.51.100.0/24', 'via', '10.77.0.2', 'proto', 'static');
  ip(A, 'route', 'add', '198.51.100.7', 'via', '10.77.0.2', 'proto', 'bird');
  ip(A, 'route', 'add', '203.0.113.0/24', 'dev', 'd0', 'proto', '77');
  ip(A, 'route', 'add', '172.31.9.0/24', 'dev', 'd0', 'mtu', '1300');
  ip(A, 'route', 'add', 'blackhole', '198.18.5.0/24');
  ip(A, 'route', 'add', '198.18.6.0/24', 'dev', 'd0', 'table', '100');
  ip(A, 'neigh', 'add', '10.77.0.50', 'lladdr', '02:00:00:00:00:50', 'dev', 'br0', 'nud', 'permanent');
  ip(A, 'neigh', 'add', '10.77.0.60', 'lladdr', '02:00:00:00:00:60', 'dev', 'br0', 'nud', 'noarp');
  ip(A, 'neigh', 'add', '10.77.0.70', 'lladdr', '02:00:00:00:00:70', 'dev', 'br0', 'nud', 'stale');
  ip(A, 'neigh', 'add', 'fe80::50', 'lladdr', '02:00:00:00:00:50', 'dev', 'br0', 'nud', 'permanent');
  ip(A, 'neigh', 'add', '2001:db8::ffff:1.2.3.4', 'lladdr', '02:00:00:00:00:51', 'dev', 'br0', 'nud', 'reachable');
  ip(A, '-6', 'addr', 'add', 'fd00:77::1/64', 'dev', 'br0', 'nodad');
  ip(A, '-6', 'route', 'add', '2001:db8:5::/48', 'via', 'fd00:77::2', 'proto', 'static');
  ip(A, '-6', 'route', 'add', '2001:db8:6::7', 'via', 'fd00:77::2', 'proto', 'bird');
  ip(A, '-6', 'route', 'add', 'default', 'via', 'fd00:77::fe', 'dev', 'br0');
  // a real exchange across the veth: a REACHABLE entry on each side
  execFileSync('ip', ['netns', 'exec', A, 'ping', '-c1', '-W1', '10.77.0.2'], { stdio: 'ignore' });
});

afterAll(() => {
  for (const ns of [A, B]) {
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      // never made
    }
  }
});

/** The reader's answer over netlink and from `ip -j`, in a stable order. */
async function both<T>(read: () => Promise<T[]>, key: (x: T) => string): Promise<{ netlink: T[]; ip: T[] }> {
  const sorted = (xs: T[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
  expect(rtnlAvailable()).toBe(true);
  const netlink = sorted(await read());
  return withConfig({ TSDIAG_NATIVE: '-netlink' }, async () => {
    expect(rtnlAvailable()).toBe(false);
    return { netlink, ip: sorted(await read()) };
  });
}

describe('netlink readers against ip -j', () => {
  it('links: names, MTUs, states, kinds, masters, the peer index of a veth into another namespace', async () => {
    for (const netnsPath of [pathA, pathB]) {
      const { netlink, ip: viaIp } = await both(() => nsOps.links({ netnsPath }), (l) => l.ifname);
      expect(netlink).toEqual(viaIp);
      expect(netlink.length).toBeGreaterThan(1);
    }
    const { netlink, ip: viaIp } = await both(() => listLinks({ netns: A }), (l) => l.ifname);
    expect(netlink).toEqual(viaIp);
    expect(netlink.find((l) => l.ifname === 'va')).toMatchObject({ master: 'br0', peerIfindex: expect.any(Number), mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) });
    expect(netlink.find((l) => l.ifname === 'vs1')?.peerIfindex).toBeNull();
    const details = await both(() => linkDetails(A), (l) => l.ifname);
    expect(details.netlink).toEqual(details.ip);
    expect(details.netlink.find((l) => l.ifname === 'd0')).toEqual({ ifname: 'd0', mtu: 1400, master: null, kind: 'bridge' });
    expect(details.netlink.find((l) => l.ifname === 'vx0')?.kind).toBe('vxlan');
    const all = await both(() => readLinks({ netns: A }), (l) => l.ifname);
    expect(all.netlink).toEqual(all.ip);
    expect(all.netlink.find((l) => l.ifname === 'vd1')).toMatchObject({ up: true, carrier: false, portState: 'disabled', master: 'br0' });
    expect(all.netlink.find((l) => l.ifname === 'vd2')).toMatchObject({ up: false, carrier: false, portState: null });
    expect(all.netlink.find((l) => l.ifname === 'va')).toMatchObject({ up: true, carrier: true, portState: 'forwarding' });
    expect(all.netlink.find((l) => l.ifname === 'br0')).toMatchObject({ stp: false, portState: null, noarp: false });
    expect(all.netlink.find((l) => l.ifname === 'vs2')).toMatchObject({ noarp: true });
  });

  it('VXLAN links: VNI, local address, port; no remote when peers come from the forwarding database', async () => {
    const { netlink, ip: viaIp } = await both(() => vxlanLinks(A), (l) => l.ifname);
    expect(netlink).toEqual(viaIp);
    expect(netlink).toEqual([{ ifname: 'vx0', vni: 42, remote: null, local: '192.0.2.1', dstport: 4789, master: null }]);
  });

  it('IPv4 addresses and the main table, with protocols by name or number and only the main table', async () => {
    const addrs = await both(() => ipv4Addresses(A), (a) => `${a.ifname} ${a.address}`);
    expect(addrs.netlink).toEqual(addrs.ip);
    expect(addrs.netlink.map((a) => a.address)).toEqual(expect.arrayContaining(['127.0.0.1', '10.77.0.1', '192.0.2.1', '192.0.2.9']));
    const routes = await both(() => ipv4Routes(A), (r) => r.dst);
    expect(routes.netlink).toEqual(routes.ip);
    expect(routes.netlink).toEqual(expect.arrayContaining([
      { dst: 'default', dev: 'd0', gateway: '192.0.2.254', protocol: null },
      { dst: '198.51.100.7', dev: 'br0', gateway: '10.77.0.2', protocol: 'bird' },
      { dst: '203.0.113.0/24', dev: 'd0', gateway: null, protocol: '77' },
      { dst: '10.77.0.0/24', dev: 'br0', gateway: null, protocol: 'kernel' },
    ]));
    expect(routes.netlink.some((r) => r.dst.startsWith('198.18.6.'))).toBe(false);
    const ranges = await both(async () => (await hostIpv4Ranges(A, new Set(['br0']))).map(formatCidr), (c) => c);
    expect(ranges.netlink).toEqual(ranges.ip);
    expect(ranges.netlink).toEqual(expect.arrayContaining(['192.0.2.0/24', '203.0.113.0/24']));
  });

  it('IPv6 addresses (link-local kept) and the main table', async () => {
    const addrs = await both(() => ipv6Addresses(A), (a) => `${a.ifname} ${a.address}`);
    expect(addrs.netlink).toEqual(addrs.ip);
    expect(addrs.netlink).toEqual(expect.arrayContaining([{ ifname: 'br0', address: 'fd00:77::1', prefixLen: 64 }, { ifname: 'lo', address: '::1', prefixLen: 128 }]));
    expect(addrs.netlink.some((a) => a.address.startsWith('fe80:'))).toBe(true);
    const routes = await both(() => ipv6Routes(A), (r) => `${r.dst} ${r.dev}`);
    expect(routes.netlink).toEqual(routes.ip);
    expect(routes.netlink).toEqual(expect.arrayContaining([
      { dst: 'default', dev: 'br0', gateway: 'fd00:77::fe', protocol: null },
      { dst: '2001:db8:5::/48', dev: 'br0', gateway: 'fd00:77::2', protocol: 'static' },
      { dst: '2001:db8:6::7', dev: 'br0', gateway: 'fd00:77::2', protocol: 'bird' },
      { dst: 'fd00:77::/64', dev: 'br0', gateway: null, protocol: 'kernel' },
    ]));
  });

  it('the link names network create and reconcile read', async () => {
    const names = await both(() => linkNames(A), (n) => n);
    expect(names.netlink).toEqual(names.ip);
    const exists = await both(async () => [await linkExists(A, 'vx0'), await linkExists(A, 'nope0')], () => '');
    expect(exists.netlink).toEqual([true, false]);
    expect(exists.ip).toEqual([true, false]);
  });

  it('route lookups: through a gateway, on a link, with a route MTU, local, blackholed, unreachable', async () => {
    const cases: Array<[string, string]> = [
      [pathA, '198.51.100.7'], [pathA, '10.77.0.2'], [pathA, '172.31.9.5'], [pathA, '10.77.0.1'], [pathA, '198.18.5.1'], [pathA, '192.0.2.200'],
      [pathB, '10.77.0.1'], [pathB, '192.0.2.55'],
    ];
    for (const [netnsPath, addr] of cases) {
      const { netlink, ip: viaIp } = await both(async () => [await nsOps.routeGet(addr, { netnsPath })], () => '');
      expect(netlink, `${netnsPath} ${addr}`).toEqual(viaIp);
    }
    expect(await nsOps.routeGet('172.31.9.5', { netnsPath: pathA })).toMatchObject({ dev: 'd0', mtu: 1300, error: null });
    expect((await nsOps.routeGet('192.0.2.55', { netnsPath: pathB })).error).toBe('RTNETLINK answers: Network is unreachable');
  });

  it('neighbours: IPv4 and IPv6, permanent, stale, reachable; NOARP left out as ip leaves it', async () => {
    const { netlink, ip: viaIp } = await both(() => nsOps.neigh({ netnsPath: pathA }), (n) => `${n.dev} ${n.dst}`);
    expect(netlink).toEqual(viaIp);
    expect(netlink).toEqual(expect.arrayContaining([
      { dst: '10.77.0.50', dev: 'br0', state: ['PERMANENT'], lladdr: '02:00:00:00:00:50' },
      { dst: 'fe80::50', dev: 'br0', state: ['PERMANENT'], lladdr: '02:00:00:00:00:50' },
      { dst: '2001:db8::ffff:102:304', dev: 'br0', state: expect.any(Array), lladdr: '02:00:00:00:00:51' },
      { dst: '10.77.0.2', dev: 'br0', state: expect.any(Array), lladdr: expect.any(String) },
    ]));
    expect(netlink.some((n) => n.dst === '10.77.0.60')).toBe(false);
    const permanent = await both(() => permanentNeighbours(A), (n) => `${n.dev} ${n.dst}`);
    expect(permanent.netlink).toEqual(permanent.ip);
    expect(permanent.netlink).toEqual([{ dst: '10.77.0.50', dev: 'br0', lladdr: '02:00:00:00:00:50' }]);
  });
});

describe('rtnl() (tsdiag-native)', () => {
  const GETLINK_DUMP = (() => {
    const b = Buffer.alloc(32);
    b.writeUInt32LE(32, 0);
    b.writeUInt16LE(18, 4);
    b.writeUInt16LE(0x301, 6);
    return b;
  })();
  it('rejects bad arguments with TypeError, a namespace it cannot enter as open/setns errors', () => {
    for (const args of [[1, GETLINK_DUMP], ['run/netns/x', GETLINK_DUMP], [pathA, 'x'], [pathA, Buffer.alloc(8)], [pathA, Buffer.alloc(8000)], [pathA, Buffer.concat([GETLINK_DUMP, Buffer.alloc(4)])]]) {
      expect(thrown(() => addon.rtnl(args[0], args[1])).name, String(args[0])).toBe('TypeError');
    }
    expect(thrown(() => addon.rtnl('/run/netns/tsdiag-none-such', GETLINK_DUMP))).toMatchObject({ code: 'ENOENT' });
    expect(thrown(() => addon.rtnl('/dev/null', GETLINK_DUMP))).toMatchObject({ code: 'EINVAL' });
  });
  it('a gone namespace fails a probe there, as an `ip` that cannot enter it', async () => {
    await expect(nsOps.links({ netnsPath: '/run/netns/tsdiag-none-such' })).rejects.toThrow(/cannot enter network namespace/);
  });
});
