import { describe, expect, it } from 'vitest';
import { walkPath } from '../../../../../src/diag/checks/path/walk.js';
import { drawPath } from '../../../../../src/diag/checks/path/draw.js';
import { dualStack } from './ipv6-facts.js';

describe('the path walk per address family', () => {
  it('a healthy dual-stack path: no finding, each end one node with both addresses', () => {
    const w = walkPath(dualStack());
    expect(w.cause).toBeNull();
    expect(drawPath(w, 'p')[1]).toBe('  out   web:eth0 172.18.0.3 fd00:1::3 → vethweb → br-app → vethdb → db:eth0 172.18.0.2 fd00:1::2');
  });

  it('no IPv6 address at all on db\'s eth0 is disable_ipv6=1: the fix turns it on and puts address and default route back', () => {
    const f = dualStack();
    f.v6!.to.addresses = [];
    const w = walkPath(f);
    expect(w.cause?.finding.check).toBe('addr.missing');
    expect(w.cause?.finding.problem).toBe("db's eth0 has IPv6 turned off (net.ipv6.conf.eth0.disable_ipv6=1): it does not hold its IPv6 address fd00:1::2/64 on app");
    expect(w.cause?.finding.fix).toBe('tsdiag --host-netns lab exec db -- sysctl -w net.ipv6.conf.eth0.disable_ipv6=0 && '
      + 'tsdiag --host-netns lab exec db -- ip -6 addr add fd00:1::2/64 dev eth0 nodad && tsdiag --host-netns lab exec db -- ip -6 route replace default via fd00:1::1 dev eth0');
  });

  it('the address gone but the link-local kept: only the address is put back', () => {
    const f = dualStack();
    f.v6!.to.addresses = f.v6!.to.addresses.filter((a) => a.address.startsWith('fe80'));
    expect(walkPath(f).cause?.finding.fix).toBe('tsdiag --host-netns lab exec db -- ip -6 addr add fd00:1::2/64 dev eth0 nodad');
  });

  it('no IPv6 route: route.missing names the family; the IPv4 hops stay clean', () => {
    const f = dualStack();
    f.v6!.from.route = { dev: null, gateway: null, src: null, error: 'RTNETLINK answers: Network is unreachable' };
    f.v6!.from.routes = [];
    const w = walkPath(f);
    expect(w.cause?.finding.problem).toBe('web has no IPv6 route to db (fd00:1::2): RTNETLINK answers: Network is unreachable');
    expect(w.cause?.finding.fix).toContain('exec web -- ip -6 route replace fd00:1::/64 dev eth0 && ');
    expect(w.hops.slice(0, 10).flatMap((h) => h.findings)).toEqual([]);
  });

  it('an IPv6 route out of another link names it', () => {
    const f = dualStack();
    f.v6!.from.route = { dev: 'eth1', gateway: null, src: null, error: null };
    f.v6!.from.routes.push({ dst: 'fd00:1::/80', dev: 'eth1', gateway: null });
    expect(walkPath(f).cause?.finding.problem).toContain('route fd00:1::/80 takes them');
  });
});
