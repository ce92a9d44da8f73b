import { describe, expect, it } from 'vitest';
import type { PathFacts } from '../../../../../src/diag/checks/path/facts.js';
import { walkPath } from '../../../../../src/diag/checks/path/walk.js';
import { dadStatesIn } from '../../../../../src/diag/probe/ns-ops.js';
import { addrDuplicate, neighStale, routeMissing } from '../../../../../src/diag/checks/path/checks.js';
import { dualStack } from './ipv6-facts.js';

const cacheMac = '02:42:ac:12:00:09';
/** cache on app, holding db's IPv6 address too (added by hand, nodad) */
const cacheHolding = (address: string) => ({
  name: 'cache', assigned: '172.18.0.9', assigned6: 'fd00:1::9',
  addresses: [{ ifname: 'eth0', address: '172.18.0.9', prefixLen: 16 }, { ifname: 'eth0', address: 'fd00:1::9', prefixLen: 64 }, { ifname: 'eth0', address, prefixLen: 64 }],
  macs: [cacheMac],
});

/** web and db on the IPv6-only app (fd00:1::/64): the walk's first family is IPv6 */
function ipv6Only(): PathFacts {
  const f = dualStack();
  const v6 = f.v6!;
  delete f.v6;
  return { ...f, subnet: v6.subnet, gateway: v6.gateway, from: { ...f.from, ...v6.from }, to: { ...f.to, ...v6.to } };
}

describe('the IPv6 path: duplicates, DAD, NDP entries', () => {
  it('another container claims db\'s IPv6 address: addr.duplicate names it, and web\'s entry learned from it goes with the fix', () => {
    const f = dualStack();
    f.others.push(cacheHolding('fd00:1::2'));
    f.v6!.from.neighbours = [{ dst: 'fd00:1::2', dev: 'eth0', state: ['REACHABLE'], lladdr: cacheMac }];
    const w = walkPath(f);
    expect(w.hops.flatMap((h) => h.findings).map((x) => x.check)).toEqual(['addr.duplicate']);
    expect(w.cause?.finding.problem).toBe('IPv6 address fd00:1::2 is claimed twice on app: by db and by cache');
    expect(w.cause?.finding.evidence[0]).toBe(`cache holds fd00:1::2/64 on eth0 (MAC ${cacheMac})`);
    expect(w.cause?.finding.fix).toBe('tsdiag --host-netns lab exec cache -- ip addr del fd00:1::2/64 dev eth0 && tsdiag --host-netns lab exec web -- ip neigh del fd00:1::2 dev eth0');
  });

  it('db\'s IPv6 address dadfailed: the claimant and the re-add are the fix', () => {
    const f = dualStack();
    f.others.push(cacheHolding('fd00:1::2'));
    f.v6!.to.dad = [{ ifname: 'eth0', address: 'fd00:1::2', state: 'dadfailed' }];
    const v = addrDuplicate.judge({ ...f });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('db\'s IPv6 address fd00:1::2 on eth0 failed duplicate address detection (dadfailed): cache claims it too; db gave it up and takes no packets to it');
    expect(v.evidence).toContain('db eth0: fd00:1::2/64 dadfailed tentative');
    expect(v.fix).toBe('tsdiag --host-netns lab exec cache -- ip addr del fd00:1::2/64 dev eth0 && '
      + 'tsdiag --host-netns lab exec db -- ip -6 addr del fd00:1::2/64 dev eth0 && tsdiag --host-netns lab exec db -- ip -6 addr add fd00:1::2/64 dev eth0 nodad');
  });

  it('a dadfailed address with no container holding it says so; a tentative one fails with the re-add', () => {
    const f = dualStack();
    f.v6!.to.dad = [{ ifname: 'eth0', address: 'fd00:1::2', state: 'dadfailed' }];
    expect(walkPath(f).cause?.finding.problem).toContain('another node on app answered for it (no container read here holds it)');
    f.v6!.to.dad = [{ ifname: 'eth0', address: 'fd00:1::2', state: 'tentative' }];
    const c = walkPath(f).cause!.finding;
    expect(c.problem).toMatch(/^db's IPv6 address fd00:1::2 on eth0 is still tentative: duplicate address detection has not finished/);
    expect(c.fix).toBe('tsdiag --host-netns lab exec db -- ip -6 addr del fd00:1::2/64 dev eth0 && tsdiag --host-netns lab exec db -- ip -6 addr add fd00:1::2/64 dev eth0 nodad');
  });

  it('web\'s NDP entry for db points at a MAC nobody has: neigh.stale names the family', () => {
    const f = dualStack();
    f.v6!.from.neighbours = [{ dst: 'fd00:1::2', dev: 'eth0', state: ['PERMANENT'], lladdr: '02:42:ac:12:00:63' }];
    const v = neighStale.judge(f);
    expect(v.summary).toBe('web\'s IPv6 neighbour entry for db (fd00:1::2) points to 02:42:ac:12:00:63, a MAC no container on the network has; db\'s eth0 is 02:42:ac:12:00:02');
    expect(v.evidence[0]).toBe('web (NDP): fd00:1::2 dev eth0 lladdr 02:42:ac:12:00:63 PERMANENT');
    expect(v.fix).toBe('tsdiag --host-netns lab exec web -- ip neigh del fd00:1::2 dev eth0');
  });

  it('an IPv6-only path walks IPv6 alone: healthy passes, a missing route is fixed with the IPv6 gateway', () => {
    const f = ipv6Only();
    expect(walkPath(f).cause).toBeNull();
    expect(routeMissing.judge(f).summary).toBe('web and db route each other over eth0/eth0 on app (IPv6)');
    expect(addrDuplicate.judge(f).status).toBe('pass');
    f.from.route = { dev: null, gateway: null, src: null, error: 'RTNETLINK answers: Network is unreachable' };
    f.from.routes = [];
    const v = routeMissing.judge(f);
    expect(v.summary).toBe('web has no IPv6 route to db (fd00:1::2): RTNETLINK answers: Network is unreachable');
    expect(v.fix).toBe('tsdiag --host-netns lab exec web -- ip -6 route replace fd00:1::/64 dev eth0 && tsdiag --host-netns lab exec web -- ip -6 route replace default via fd00:1::1 dev eth0');
  });

  it('reads DAD states from /proc/net/if_inet6', () => {
    const text = [
      'fd000001000000000000000000000002 05 40 00 c8     eth0',
      'fd000001000000000000000000000003 05 40 00 c0     eth0',
      'fe800000000000000042acfffe120002 05 40 20 80     eth0',
      '00000000000000000000000000000001 01 80 10 80       lo',
    ].join('\n');
    expect(dadStatesIn(text)).toEqual([{ ifname: 'eth0', address: 'fd00:1::2', state: 'dadfailed' }, { ifname: 'eth0', address: 'fd00:1::3', state: 'tentative' }]);
  });
});
