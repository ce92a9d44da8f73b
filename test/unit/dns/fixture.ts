import type { ContainerRecord, HostState, NetworkRecord } from '../../../src/netcore/bridge/state/types.js';

/**
 * A host state for the DNS tests. Container addresses are on 127/8 so that
 * the loopback tests can play each container with `dig -b <its address>`.
 */
export function network(name: string, over: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id: Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64), name, driver: 'bridge', isDefault: false,
    subnet: null, gateway: null, ipRange: null, internal: false, mtu: 1500, device: null, options: {}, labels: {}, created: '', ...over,
  };
}

let nextId = 1;
export function container(name: string, endpoints: Array<{ network: string; ipv4: string; aliases?: string[]; ipv6?: string; prefixLen6?: number }>, id?: string): ContainerRecord {
  const hex = id ?? (nextId++).toString(16).padStart(12, '0').replace(/^0/, 'c') + 'f'.repeat(52);
  return {
    id: hex, name, netns: null, networkMode: 'bridge', ports: [], dns: [], cmd: [], pid: null, created: '',
    endpoints: endpoints.map((e, i) => ({
      network: e.network, networkId: '', ifname: `eth${i}`, hostIf: null, ipv4: e.ipv4, prefixLen: 24, ipv6: e.ipv6 ?? null, prefixLen6: e.ipv6 ? (e.prefixLen6 ?? 64) : null, mac: '', aliases: e.aliases ?? [],
    })),
  };
}

export const WEB_ID = 'abcdef012345' + '6'.repeat(52);

export function state(networks: NetworkRecord[], containers: ContainerRecord[]): HostState {
  return {
    version: 1, sandbox: null,
    networks: Object.fromEntries(networks.map((n) => [n.name, n])),
    containers: Object.fromEntries(containers.map((c) => [c.name, c])),
  };
}

/**
 * front: web (alias www), api, pool1..3 (alias pool), v6 (an IPv6 address too), cache.back, named, aliaser (alias named)
 * back: api (alias service), db (alias database)
 * corp.lan: x        bridge (default): old        mac (macvlan): m        big: n1..n60 (alias many)
 */
export function sampleState(): HostState {
  const pool = [10, 11, 12].map((n, i) => container(`pool${i + 1}`, [{ network: 'front', ipv4: `127.0.1.${n}`, aliases: ['pool'] }]));
  const many = Array.from({ length: 60 }, (_, i) => container(`n${i + 1}`, [{ network: 'big', ipv4: `127.0.5.${i + 10}`, aliases: ['many'] }]));
  return state(
    [
      network('front', { gateway: '127.0.1.1' }), network('back', { gateway: '127.0.2.1' }), network('corp.lan', { gateway: '127.0.4.1' }),
      network('bridge', { isDefault: true, gateway: '127.0.3.1' }), network('mac', { driver: 'macvlan', gateway: '127.0.6.1' }),
      network('big', { gateway: '127.0.5.1' }),
    ],
    [
      container('web', [{ network: 'front', ipv4: '127.0.1.2', aliases: ['www'] }], WEB_ID),
      container('api', [{ network: 'front', ipv4: '127.0.1.3' }, { network: 'back', ipv4: '127.0.2.3', aliases: ['service'] }]),
      container('db', [{ network: 'back', ipv4: '127.0.2.4', aliases: ['database'] }]),
      container('v6', [{ network: 'front', ipv4: '127.0.1.6', ipv6: 'fd00::6' }]),
      container('cache.back', [{ network: 'front', ipv4: '127.0.1.7' }]),
      container('named', [{ network: 'front', ipv4: '127.0.1.20' }]),
      container('aliaser', [{ network: 'front', ipv4: '127.0.1.21', aliases: ['named'] }]),
      container('x', [{ network: 'corp.lan', ipv4: '127.0.4.2' }]),
      container('old', [{ network: 'bridge', ipv4: '127.0.3.5' }]),
      container('m', [{ network: 'mac', ipv4: '127.0.6.5' }]),
      ...pool, ...many,
    ],
  );
}
