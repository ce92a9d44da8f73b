import { describe, expect, it } from 'vitest';
import { formatIpv6, isIpv6, parseCidr6, parseIpv6 } from '../../../src/netcore/ipv6.js';
import { allocateAddress6, macForAddress6, parsePool6, pickSubnet6, planSubnet6, ulaPool48 } from '../../../src/netcore/bridge/ipam6.js';
import { formatCidr6 } from '../../../src/netcore/ipv6.js';
import { desiredRules, restoreScript, parseIptablesSave } from '../../../src/netcore/bridge/firewall/rules.js';
import { planBridgeCreate, planEndpointAdd } from '../../../src/netcore/bridge/plan.js';
import { emptyState, type ContainerRecord, type EndpointRecord, type NetworkRecord } from '../../../src/netcore/bridge/state/types.js';

describe('IPv6 addresses', () => {
  it('parses every text form and prints RFC 5952', () => {
    for (const [text, want] of [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'], ['::', '::'], ['::1', '::1'], ['fd00::', 'fd00::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ] as const) expect(formatIpv6(parseIpv6(text))).toBe(want);
    for (const bad of ['', ':', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1.2.3.256', '10.0.0.1']) expect(isIpv6(bad), bad).toBe(false);
  });

  it('takes network addresses only, as Docker', () => {
    expect(formatCidr6(parseCidr6('fd00:1::/64'))).toBe('fd00:1::/64');
    expect(() => parseCidr6('fd00:1::1/64')).toThrow(/host bits set \(did you mean fd00:1::\/64\?\)/);
    expect(() => parseCidr6('fd00::/129')).toThrow(/invalid IPv6 CIDR/);
  });
});

describe('IPv6 IPAM', () => {
  it("derives the host's ULA /48 as moby's deriveULABaseNetwork (its own test vectors)", () => {
    expect(formatCidr6(ulaPool48(''))).toBe('fd42:98fc:1c14::/48');
    expect(formatCidr6(ulaPool48('499d4bc0-b0b3-416f-b1ee-cf6486315593'))).toBe('fd62:fb69:18af::/48');
  });

  it('hands out /64s of the pool first free first, the gateway at ::1, endpoints from ::2', () => {
    const pool = parseCidr6('fd42:98fc:1c14::/48');
    expect(formatCidr6(pickSubnet6(pool, []))).toBe('fd42:98fc:1c14::/64');
    expect(formatCidr6(pickSubnet6(pool, [parseCidr6('fd42:98fc:1c14::/64')]))).toBe('fd42:98fc:1c14:1::/64');
    expect(planSubnet6({ subnet: null, gateway: null, pool, existing: [] })).toEqual({ subnet6: 'fd42:98fc:1c14::/64', gateway6: 'fd42:98fc:1c14::1' });
    expect(allocateAddress6({ subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1', used: ['fd00:1::2'], requested: null })).toBe('fd00:1::3');
    expect(allocateAddress6({ subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1', used: [], requested: 'fd00:1:0:0::0:99' })).toBe('fd00:1::99');
    expect(macForAddress6('fd00:1::a:b')).toBe('02:42:00:0a:00:0b');
  });

  it('hands addresses out serially as IPv4 does: after the last one, not the freed lowest, wrapping around at the end', () => {
    const at = (used: string[], last: string | null, subnet6 = 'fd00:1::/64', gateway6 = 'fd00:1::1') =>
      allocateAddress6({ subnet6, gateway6, used, requested: null, last });
    expect(at(['fd00:1::3'], 'fd00:1::3')).toBe('fd00:1::4'); // ::2 was freed: not taken again yet
    expect(at([], 'fd00:1::ffff')).toBe('fd00:1::1:0');
    expect(at(['fd00:1::3'], 'fd00:2::9')).toBe('fd00:1::2'); // a last address outside the subnet: from the start
    // a /126: ::1 gateway, ::2 and ::3 before ::3 (the last address stays out): ::2 comes round again
    expect(at([], 'fd00:1::2', 'fd00:1::/126')).toBe('fd00:1::2');
    expect(() => at(['fd00:1::2'], 'fd00:1::2', 'fd00:1::/126')).toThrow(/no available IPv6 addresses/);
  });

  it('refuses what Docker refuses, and a pool that is not a ULA', () => {
    const pool = parseCidr6('fd00:9::/48');
    const plan = (subnet: string | null, gateway: string | null = null) => planSubnet6({ subnet, gateway, pool, existing: [parseCidr6('fd00:1::/64')] });
    expect(() => plan('fd00:1::/80')).toThrow(/overlaps with the existing network subnet fd00:1::\/64/);
    expect(() => plan('fe80::/64')).toThrow(/link-local/);
    expect(() => plan('ff02::/64')).toThrow(/multicast/);
    expect(() => plan('fd00:2::/64', 'fd00:3::1')).toThrow(/not a usable address/);
    expect(() => plan(null, 'fd00:3::1')).toThrow(/needs an IPv6 --subnet/);
    expect(() => parsePool6('2001:db8::/48')).toThrow(/not a unique local prefix/);
    expect(() => allocateAddress6({ subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1', used: [], requested: 'fd00:2::5' })).toThrow(/not a usable address/);
    expect(() => allocateAddress6({ subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1', used: ['fd00:1::5'], requested: 'fd00:1::5' })).toThrow(/already in use/);
  });
});

const net: NetworkRecord = {
  id: 'a'.repeat(64), name: 'a', driver: 'bridge', isDefault: false, subnet: '172.18.0.0/16', gateway: '172.18.0.1', ipRange: null,
  subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1', enableIPv4: true, internal: false, mtu: 1500, device: 'br-a', options: {}, labels: {}, created: '',
};
const ep: EndpointRecord = {
  network: 'a', networkId: '', ifname: 'eth0', hostIf: 'veth1', ipv4: '172.18.0.2', prefixLen: 16, ipv6: 'fd00:1::2', prefixLen6: 64, mac: '02:42:ac:12:00:02', aliases: [],
};
const c: ContainerRecord = {
  id: 'f'.repeat(64), name: 'web', netns: 'x:web', networkMode: 'bridge', dns: [], cmd: [], pid: null, created: '',
  endpoints: [ep], ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' }],
};

describe('dual-stack plans and rules', () => {
  it('the bridge: IPv6 on, forwarding on, the gateway and fe80::1 without DAD', () => {
    const lines = planBridgeCreate({ netns: 's', isSandbox: true }, net).map((s) => s.do.type === 'ip' ? s.do.args.join(' ') : s.do.type === 'sysctl' ? `${s.do.key}=${s.do.value}` : s.do.type);
    expect(lines).toContain('net.ipv6.conf.br-a.disable_ipv6=0');
    expect(lines).toContain('net.ipv6.conf.all.forwarding=1');
    expect(lines).toContain('addr add fd00:1::1/64 dev br-a nodad');
    expect(lines).toContain('addr add fe80::1/64 dev br-a nodad');
    expect(lines.indexOf('net.ipv6.conf.br-a.disable_ipv6=0')).toBeLessThan(lines.indexOf('addr add fd00:1::1/64 dev br-a nodad'));
  });

  it('the endpoint: sysctls before the address, nodad, both default routes', () => {
    const lines = planEndpointAdd({ netns: 's', isSandbox: true }, c, ep, net, true).map((s) => s.do.type === 'ip' ? s.do.args.join(' ') : s.do.type === 'sysctl' ? `${s.do.key}=${s.do.value}` : '');
    expect(lines).toEqual(expect.arrayContaining(['net.ipv6.conf.eth0.disable_ipv6=0', 'net.ipv6.conf.eth0.accept_ra=0', 'addr add fd00:1::2/64 dev eth0 nodad',
      'route add default via 172.18.0.1', 'route add default via fd00:1::1']));
    const v6only = planEndpointAdd({ netns: 's', isSandbox: true }, c, { ...ep, ipv4: '', prefixLen: 0 }, { ...net, subnet: null, gateway: null, enableIPv4: false }, true)
      .map((s) => s.do.type === 'ip' ? s.do.args.join(' ') : '');
    expect(v6only.filter((l) => l.includes('172.18'))).toEqual([]);
  });

  it('ip6tables: the same chains, IPv6 subnets, DNAT to [addr]:port without link-local sources, ::1 left out of OUTPUT', () => {
    const s = { ...emptyState(), networks: { a: net }, containers: { web: c } };
    const r6 = desiredRules(s, 6);
    expect(r6.nat['TSDIAG-POSTROUTING']).toContain('-s fd00:1::/64 ! -o br-a -j MASQUERADE');
    expect(r6.nat.TSDIAG).toContain('! -s fe80::/10 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:1::2]:80');
    expect(r6.filter.TSDIAG).toContain('-d fd00:1::2/128 ! -i br-a -o br-a -p tcp -m tcp --dport 80 -j ACCEPT');
    expect(r6.filter['TSDIAG-ISOLATION-STAGE-2']).toContain('-o br-a -j DROP');
    expect(restoreScript(s, parseIptablesSave(''), 6)).toContain('-I OUTPUT 1 ! -d ::1/128 -m addrtype --dst-type LOCAL -j TSDIAG');
    // an IPv4-only network has no ip6tables rules; an IPv4 host address publishes on IPv4 only
    expect(desiredRules({ ...s, networks: { a: { ...net, subnet6: null, gateway6: null } } }, 6).nat['TSDIAG-POSTROUTING']).toEqual([]);
    const pinned = { ...s, containers: { web: { ...c, ports: [{ ...c.ports[0]!, hostIp: '198.18.0.2' }] } } };
    expect(desiredRules(pinned, 6).nat.TSDIAG!.some((l) => l.includes('DNAT'))).toBe(false);
  });
});
