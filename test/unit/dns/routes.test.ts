import { describe, expect, it } from 'vitest';
import { ForwardRoutes } from '../../../src/dns/routes.js';
import { container, network, state } from './fixture.js';

const up = (address: string, port = 53) => ({ address, port });
const inNetns = (name: string, c: ReturnType<typeof container>, over: Partial<ReturnType<typeof container>> = {}) => ({ ...c, netns: `lab:${name}`, ...over });

describe('forward routes (Docker: host loopback from the host, everything else from inside the container)', () => {
  const hostUpstreams = [up('127.0.0.53'), up('198.18.0.1')];
  const s = state(
    [network('app', { gateway: '172.18.0.1' }), network('secret', { gateway: '172.19.0.1', internal: true })],
    [
      inNetns('web', container('web', [{ network: 'app', ipv4: '172.18.0.2' }])),
      inNetns('own', container('own', [{ network: 'app', ipv4: '172.18.0.3' }]), { dns: ['127.0.0.1', '10.9.0.53:5353'] }),
      inNetns('vault', container('vault', [{ network: 'secret', ipv4: '172.19.0.2' }])),
      inNetns('both', container('both', [{ network: 'secret', ipv4: '172.19.0.3' }, { network: 'app', ipv4: '172.18.0.4' }])),
      container('fake', [{ network: 'app', ipv4: '172.18.0.9' }]),
    ],
  );
  const routes = new ForwardRoutes(s, hostUpstreams);

  it('dials the host\'s loopback upstream from the host and its others from the container', () => {
    expect(routes.for('172.18.0.2')).toEqual([
      { upstream: up('127.0.0.53'), netnsPath: null },
      { upstream: up('198.18.0.1'), netnsPath: '/run/netns/lab:web' },
    ]);
  });

  it('a container\'s own --dns replaces the host\'s and is dialled inside it, loopback included', () => {
    expect(routes.for('172.18.0.3')).toEqual([
      { upstream: up('127.0.0.1'), netnsPath: '/run/netns/lab:own' },
      { upstream: up('10.9.0.53', 5353), netnsPath: '/run/netns/lab:own' },
    ]);
  });

  it('only --internal networks: nothing is sent from the host namespace', () => {
    expect(routes.for('172.19.0.2')).toEqual([{ upstream: up('198.18.0.1'), netnsPath: '/run/netns/lab:vault' }]);
    // one network with a way out is enough, from either of its addresses
    expect(routes.for('172.19.0.3')).toHaveLength(2);
    expect(routes.for('172.18.0.4')).toEqual(routes.for('172.19.0.3'));
  });

  it('without a namespace, or for an unknown querier, everything goes from the host', () => {
    expect(routes.for('172.18.0.9').map((t) => t.netnsPath)).toEqual([null, null]);
    expect(routes.for('10.0.0.1').map((t) => t.netnsPath)).toEqual([null, null]);
    expect(new ForwardRoutes(null, hostUpstreams).for('172.18.0.2')).toHaveLength(2);
  });

  it('IPv6: the host\'s v6 upstreams from inside a container with IPv6, from the host for one without; v6 queriers known', () => {
    const v6s = state(
      [network('dual', { gateway: '172.20.0.1', subnet6: 'fd00:20::/64', gateway6: 'fd00:20::1' }), network('only6', { gateway: null, gateway6: 'fd00:21::1', enableIPv4: false })],
      [
        inNetns('dual', container('dual', [{ network: 'dual', ipv4: '172.20.0.2', ipv6: 'FD00:20:0::0002' }])),
        inNetns('six', container('six', [{ network: 'only6', ipv4: '', ipv6: 'fd00:21::2' }])),
        inNetns('four', container('four', [{ network: 'dual', ipv4: '172.20.0.3' }])),
      ],
    );
    const v6Upstreams = [up('::1'), up('fd00:53::1'), up('fe80::1%eth0'), up('198.18.0.1')];
    const r = new ForwardRoutes(v6s, v6Upstreams);
    expect(r.for('fd00:20::2')).toEqual([
      { upstream: up('::1'), netnsPath: null },
      { upstream: up('fd00:53::1'), netnsPath: '/run/netns/lab:dual' },
      { upstream: up('fe80::1%eth0'), netnsPath: null },
      { upstream: up('198.18.0.1'), netnsPath: '/run/netns/lab:dual' },
    ]);
    expect(r.for('172.20.0.2')).toEqual(r.for('fd00:20::2'));
    expect(r.for('fd00:21::2').map((t) => t.netnsPath)).toEqual([null, '/run/netns/lab:six', null, '/run/netns/lab:six']);
    expect(r.for('172.20.0.3').map((t) => t.netnsPath)).toEqual([null, null, null, '/run/netns/lab:four']);
  });

  it('lists the namespaces it dials from, so that dialers of removed containers can be stopped', () => {
    expect([...routes.namespaces].sort()).toEqual(['/run/netns/lab:both', '/run/netns/lab:own', '/run/netns/lab:vault', '/run/netns/lab:web']);
  });
});
