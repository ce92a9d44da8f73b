import { describe, expect, it } from 'vitest';
import type { PathFacts, PathLink } from '../../../../../src/diag/checks/path/facts.js';
import { walkPath } from '../../../../../src/diag/checks/path/walk.js';
import { drawPath } from '../../../../../src/diag/checks/path/draw.js';

const link = (ifname: string, more: Partial<PathLink> = {}): PathLink => ({
  ifname, ifindex: 2, up: true, carrier: true, operstate: 'UP', mtu: 1500, mac: null, master: null, kind: 'veth', portState: null, ...more,
});

/** web 172.18.0.3 and db 172.18.0.2 on app (br-app), as a healthy host reads them */
function healthy(): PathFacts {
  const end = (name: string, address: string, mac: string, hostIf: string, other: string, otherMac: string) => ({
    name, ifname: 'eth0', address, prefixLen: 16, mac, hostIf,
    links: [link('lo', { kind: null }), link('eth0', { mac })],
    addresses: [{ ifname: 'lo', address: '127.0.0.1', prefixLen: 8 }, { ifname: 'eth0', address, prefixLen: 16 }],
    route: { dev: 'eth0', gateway: null, src: address, error: null },
    routes: [{ dst: 'default', dev: 'eth0', gateway: '172.18.0.1' }, { dst: '172.18.0.0/16', dev: 'eth0', gateway: null }],
    neighbours: [{ dst: other, dev: 'eth0', state: ['REACHABLE'], lladdr: otherMac }],
  });
  return {
    network: 'app', subnet: '172.18.0.0/16', bridge: 'br-app',
    from: end('web', '172.18.0.3', '02:42:ac:12:00:03', 'vethweb', '172.18.0.2', '02:42:ac:12:00:02'),
    to: end('db', '172.18.0.2', '02:42:ac:12:00:02', 'vethdb', '172.18.0.3', '02:42:ac:12:00:03'),
    hostLinks: [
      link('lo', { kind: null }), link('br-app', { kind: 'bridge' }),
      link('vethweb', { master: 'br-app', portState: 'forwarding' }), link('vethdb', { master: 'br-app', portState: 'forwarding' }),
    ],
    others: [{ name: 'cache', assigned: '172.18.0.4', addresses: [{ ifname: 'eth0', address: '172.18.0.4', prefixLen: 16 }], macs: ['02:42:ac:12:00:04'] }],
    fix: { backend: 'native', hostNetns: 'lab', pids: {} },
  };
}

const hostLink = (f: PathFacts, name: string) => f.hostLinks.find((l) => l.ifname === name)!;

describe('the path walk names the first broken hop', () => {
  it('passes a healthy path and draws both directions', () => {
    const w = walkPath(healthy());
    expect(w.cause).toBeNull();
    expect(w.hops.flatMap((h) => h.findings)).toEqual([]);
    expect(drawPath(w, 'path')).toEqual([
      'path',
      '  out   web:eth0 172.18.0.3 → vethweb → br-app → vethdb → db:eth0 172.18.0.2',
      '  back  db:eth0 172.18.0.2 → vethdb → br-app → vethweb → web:eth0 172.18.0.3',
    ]);
  });

  it('a veth taken off its bridge: link.master names the host end and the fix puts it back', () => {
    const f = healthy();
    hostLink(f, 'vethdb').master = null;
    hostLink(f, 'vethdb').portState = null;
    const w = walkPath(f);
    expect(w.cause?.finding.check).toBe('link.master');
    expect(w.cause?.finding.problem).toContain('vethdb, the host end of db\'s veth, is on no bridge, not of br-app');
    expect(w.cause?.finding.fix).toBe('ip netns exec lab ip link set vethdb master br-app');
    expect(drawPath(w, 'p')[1]).toContain('br-app → ✗ vethdb → db:eth0');
  });

  it('a veth on another bridge names that bridge', () => {
    const f = healthy();
    hostLink(f, 'vethweb').master = 'br-other';
    expect(walkPath(f).cause?.finding.problem).toContain('is a port of br-other, not of br-app');
  });

  it('a host end down is the cause; the container side without carrier is not named as well', () => {
    const f = healthy();
    Object.assign(hostLink(f, 'vethdb'), { up: false, operstate: 'DOWN' });
    Object.assign(f.to.links[1]!, { carrier: false, operstate: 'LOWERLAYERDOWN' });
    const w = walkPath(f);
    const all = w.hops.flatMap((h) => h.findings);
    expect(all.map((x) => x.check)).toEqual(['link.state']);
    expect(w.cause?.finding.problem).toBe('vethdb, the host end of db\'s veth, is down');
    expect(w.cause?.finding.fix).toBe('ip netns exec lab ip link set vethdb up');
  });

  it('the container\'s own link down, natively and on Docker', () => {
    const f = healthy();
    Object.assign(f.from.links[1]!, { up: false, carrier: false, operstate: 'DOWN' });
    expect(walkPath(f).cause?.finding.fix).toBe('tsdiag --host-netns lab exec web -- ip link set eth0 up');
    f.fix = { backend: 'docker', hostNetns: null, pids: { web: 4242 } };
    expect(walkPath(f).cause?.finding.fix).toBe('nsenter -t 4242 -n ip link set eth0 up');
  });

  it('the bridge down (which disables its ports: not named as well)', () => {
    const f = healthy();
    Object.assign(hostLink(f, 'br-app'), { up: false, operstate: 'DOWN' });
    hostLink(f, 'vethweb').portState = 'disabled';
    hostLink(f, 'vethdb').portState = 'disabled';
    expect(walkPath(f).hops.flatMap((h) => h.findings).map((x) => x.check)).toEqual(['link.state']);
    expect(walkPath(f).cause?.finding).toMatchObject({ check: 'link.state', problem: 'the bridge br-app of app is down', fix: 'ip netns exec lab ip link set br-app up' });
  });

  it('a port the bridge does not forward through (STP blocking)', () => {
    const f = healthy();
    hostLink(f, 'vethdb').portState = 'blocking';
    expect(walkPath(f).cause?.finding).toMatchObject({ check: 'bridge.port', fix: 'ip netns exec lab ip link set vethdb type bridge_slave state 3' });
  });

  it('the receiver without its routes: the way back has no route', () => {
    const f = healthy();
    f.to.routes = [];
    f.to.route = { dev: null, gateway: null, src: null, error: 'RTNETLINK answers: Network is unreachable' };
    const w = walkPath(f);
    expect(w.cause?.hop.dir).toBe('back');
    expect(w.cause?.finding).toMatchObject({ check: 'route.missing', fix: 'tsdiag --host-netns lab exec db -- ip route add 172.18.0.0/16 dev eth0 src 172.18.0.2' });
    expect(w.cause?.finding.problem).toContain('db has no route to web (172.18.0.3)');
  });

  it('a more specific route elsewhere takes the packets: that route is named and removed', () => {
    const f = healthy();
    f.from.routes.push({ dst: '172.18.0.0/24', dev: 'eth1', gateway: null });
    f.from.route = { dev: 'eth1', gateway: null, src: '10.0.0.2', error: null };
    expect(walkPath(f).cause?.finding).toMatchObject({ check: 'route.missing', fix: 'tsdiag --host-netns lab exec web -- ip route del 172.18.0.0/24 dev eth1' });
  });

  it('only the default route left: a warning, not a cause', () => {
    const f = healthy();
    f.from.routes = [{ dst: 'default', dev: 'eth0', gateway: '172.18.0.1' }];
    f.from.route = { dev: 'eth0', gateway: '172.18.0.1', src: '172.18.0.3', error: null };
    const w = walkPath(f);
    expect(w.cause).toBeNull();
    expect(w.hops[0]!.findings[0]).toMatchObject({ check: 'route.missing', severity: 'warn' });
  });

  it('two containers claiming one address: the other holder is named', () => {
    const f = healthy();
    f.others.push({ name: 'intruder', assigned: '172.18.0.9', addresses: [{ ifname: 'eth0', address: '172.18.0.9', prefixLen: 16 }, { ifname: 'eth0', address: '172.18.0.2', prefixLen: 16 }], macs: ['02:42:ac:12:00:09'] });
    f.from.neighbours = [{ dst: '172.18.0.2', dev: 'eth0', state: ['REACHABLE'], lladdr: '02:42:ac:12:00:09' }];
    const w = walkPath(f);
    const all = w.hops.flatMap((h) => h.findings);
    expect(all.map((x) => x.check)).toEqual(['addr.duplicate']);
    expect(w.cause?.finding.problem).toBe('172.18.0.2 is claimed twice on app: by db and by intruder');
    // web learned intruder's MAC for db's address: its entry goes with the address, or web keeps sending to intruder
    expect(w.cause?.finding.fix).toBe('tsdiag --host-netns lab exec intruder -- ip addr del 172.18.0.2/16 dev eth0 && tsdiag --host-netns lab exec web -- ip neigh del 172.18.0.2 dev eth0');
  });

  it('two endpoints given one address by the backend: the other is reconnected', () => {
    const f = healthy();
    f.others.push({ name: 'twin', assigned: '172.18.0.2', addresses: [{ ifname: 'eth0', address: '172.18.0.2', prefixLen: 16 }], macs: ['02:42:ac:12:00:99'] });
    f.fix = { backend: 'docker', hostNetns: null, pids: {} };
    expect(walkPath(f).cause?.finding.fix).toBe('docker network disconnect app twin && docker network connect app twin');
  });

  it('a neighbour entry left pointing at an old MAC: neigh.stale names the entry and deletes it', () => {
    const f = healthy();
    f.from.neighbours = [{ dst: '172.18.0.2', dev: 'eth0', state: ['PERMANENT'], lladdr: '02:42:ac:12:00:04' }];
    const w = walkPath(f);
    expect(w.cause?.finding.check).toBe('neigh.stale');
    expect(w.cause?.finding.problem).toContain('points to 02:42:ac:12:00:04, cache\'s MAC; db\'s eth0 is 02:42:ac:12:00:02');
    expect(w.cause?.finding.fix).toBe('tsdiag --host-netns lab exec web -- ip neigh del 172.18.0.2 dev eth0');
  });

  it('an unresolved neighbour (FAILED) is a symptom, not a cause', () => {
    const f = healthy();
    f.from.neighbours = [{ dst: '172.18.0.2', dev: 'eth0', state: ['FAILED'], lladdr: null }];
    expect(walkPath(f).cause).toBeNull();
  });

  it('an end without its address', () => {
    const f = healthy();
    f.to.addresses = f.to.addresses.filter((a) => a.ifname !== 'eth0');
    expect(walkPath(f).cause?.finding).toMatchObject({ check: 'addr.missing', fix: 'tsdiag --host-netns lab exec db -- ip addr add 172.18.0.2/16 dev eth0' });
  });

  it('a container whose endpoint link is gone is reconnected', () => {
    const f = healthy();
    f.to.links = f.to.links.filter((l) => l.ifname !== 'eth0');
    f.hostLinks = f.hostLinks.filter((l) => l.ifname !== 'vethdb');
    const w = walkPath(f);
    expect(w.cause?.finding).toMatchObject({ check: 'link.state', fix: 'tsdiag --host-netns lab network disconnect app db && tsdiag --host-netns lab network connect app db' });
  });
});

describe('the firewall on the drawing', () => {
  it('sits after the bridge both ways, marked by the firewall checks on the way out', async () => {
    const { pathLines, withFirewall, drawLines } = await import('../../../../../src/diag/checks/path/draw.js');
    const lines = withFirewall(pathLines(walkPath(healthy())), 'br-app', { label: 'firewall', mark: 'broken', note: 'fw.rule-drop: rule #1 drops it' });
    expect(drawLines('p', lines)).toEqual([
      'p',
      '  out   web:eth0 172.18.0.3 → vethweb → br-app → ✗ firewall → vethdb → db:eth0 172.18.0.2',
      '        ✗ fw.rule-drop: rule #1 drops it',
      '  back  db:eth0 172.18.0.2 → vethdb → br-app → firewall → vethweb → web:eth0 172.18.0.3',
    ]);
  });
});
