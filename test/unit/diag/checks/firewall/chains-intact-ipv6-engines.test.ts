import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainsFacts, dockerHints, fwChainsIntact, podmanChainsFacts } from '../../../../../src/diag/checks/firewall/chains-intact.js';
import { expectedRules } from '../../../../../src/diag/checks/firewall/expected.js';
import { netavarkNftChain } from '../../../../../src/diag/checks/firewall/netavark-expected.js';
import type { InvContainer, InvNetwork } from '../../../../../src/diag/inventory/types.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';

/**
 * fw.chains-intact over the engines' IPv6 rules, judged from recordings of
 * real engines (fixtures' SOURCE): Docker 26 with `--experimental --ip6tables`,
 * netavark 1.4's iptables driver and netavark 1.14's nftables driver, each with
 * one dual-stack network and a published port.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../../../../fixtures');
const read = (p: string) => fs.readFileSync(path.join(FIXTURES, p), 'utf8');
const withoutLine = (text: string, line: string) => {
  expect(text.split('\n')).toContain(line);
  return text.split('\n').filter((l) => l !== line).join('\n');
};

type Net = Pick<InvNetwork, 'backend' | 'id' | 'name' | 'bridge' | 'subnet' | 'subnet6'>;
const network = (n: Net): InvNetwork => ({ ...n, driver: 'bridge', gateway: null, gateway6: null, internal: false, mtu: null, isDefault: false } as InvNetwork);
const container = (backend: InvNetwork['backend'], net: InvNetwork, name: string, ipv4: string, ipv6: string | null, published: InvContainer['published'] = []): InvContainer => ({
  backend, id: name, name, running: true, pid: 1, netnsPath: null, networkMode: 'bridge', published, resolvConfPath: null,
  endpoints: [{ network: net.name, networkId: net.id, ipv4, prefixLen: 24, ipv6, prefixLen6: ipv6 ? 64 : null, mac: null, aliases: [], hostIf: null }],
});
const port = (hostPort: number) => [{ hostIp: '', hostPort, containerPort: 5432, proto: 'tcp' as const }];

describe('fw.chains-intact: Docker 26 with ip6tables (recorded dual-stack network)', () => {
  const BR = 'br-93bed17b0eff';
  const net = network({ backend: 'docker', id: '93bed17b0eff', name: 'fv6-net', bridge: BR, subnet: '172.18.0.0/16', subnet6: 'fd00:f6:1::/64' });
  const containers = [container('docker', net, 'db', '172.18.0.2', 'fd00:f6:1::2', port(8080)), container('docker', net, 'web', '172.18.0.3', 'fd00:f6:1::3')];
  const v4 = read('docker-rulesets/26/usernet-portmap-dualstack.iptables');
  const v6 = read('docker-rulesets/26/usernet-portmap-dualstack.ip6tables');
  const target = { backend: 'docker' as const, hostNetns: 'dh' };
  const judge = (nets: InvNetwork[], text6: string | null, text4 = v4) => fwChainsIntact.judge(chainsFacts(target, expectedRules('docker', nets, containers),
    parseIptablesCounters(text4), null, dockerHints(nets), text6 === null ? null : parseIptablesCounters(text6)));

  it('the healthy pair passes, the IPv6 bridge\'s jumps, its MASQUERADE and DNAT over IPv6 among what is present', () => {
    const v = judge([net], v6);
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/^Docker 20\.10-27 layout \(iptables and ip6tables\): all \d+ rules the networks need are present$/);
    expect(v.evidence).toEqual(expect.arrayContaining([
      `present: FORWARD -> DOCKER for ${BR}: published ports and the network's own rules (ip6tables)`,
      'present: outbound NAT (MASQUERADE) for fv6-net fd00:f6:1::/64 (ip6tables)',
      'present: published port 8080/tcp -> db [fd00:f6:1::2]:5432 (DNAT) (ip6tables)',
    ]));
    // docker0 is IPv4-only: its isolation rules stand in ip6tables, its forwarding rules need not
    expect(v.evidence.join('\n')).not.toMatch(/docker0.*\(ip6tables\)/);
  });

  it('a deleted ip6tables jump is named with its family and put back where Docker had it', () => {
    const v = judge([net], withoutLine(v6, `[0:0] -A FORWARD -o ${BR} -j DOCKER`));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain(`1 of `);
    expect(v.summary).toContain(`FORWARD -> DOCKER for ${BR}: published ports and the network's own rules (ip6tables)`);
    expect(v.evidence[0]).toBe(`missing: ip6tables -A FORWARD -o ${BR} -j DOCKER  (FORWARD -> DOCKER for ${BR}: published ports and the network's own rules (ip6tables))`);
    expect(v.fix).toBe(`ip netns exec dh ip6tables -I FORWARD 4 -o ${BR} -j DOCKER`);
  });

  it('the IPv6 MASQUERADE gone: named in ip6tables words, Docker restarted to write it', () => {
    const v = judge([net], withoutLine(v6, `[0:0] -A POSTROUTING -s fd00:f6:1::/64 ! -o ${BR} -j MASQUERADE`));
    expect(v.status).toBe('fail');
    expect(v.evidence).toContain(`missing: ip6tables -t nat -A POSTROUTING -s fd00:f6:1::/64 ! -o ${BR} -j MASQUERADE  (outbound NAT (MASQUERADE) for fv6-net fd00:f6:1::/64 (ip6tables))`);
    expect(v.fix).toBe('systemctl restart docker');
  });

  it('ip6tables without Docker\'s chains (26 without --ip6tables): nothing of IPv6 expected, said so', () => {
    const v = judge([net], '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/^Docker 20\.10-27 layout: all \d+ rules/);
    expect(v.evidence).toContain('ip6tables holds no Docker chains: Docker does not write IPv6 rules (26 without --ip6tables), none expected');
  });

  it('an IPv4-only network asks nothing of ip6tables, even where Docker keeps chains there', () => {
    const only4 = { ...net, subnet6: null };
    const v = judge([only4], null);
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/^Docker 20\.10-27 layout: all \d+ rules/);
    expect(v.evidence.join('\n')).not.toContain('ip6tables');
  });
});

describe('fw.chains-intact: netavark 1.4 iptables driver, `podman network create --ipv6` (recorded)', () => {
  const net = network({ backend: 'podman', id: '63ba642c38b7f28566ab3ff69639aa442cc9bc797f1d1ebc477cbecd4fe6cf1d', name: 'fv6-pnet', bridge: 'podman1',
    subnet: '10.89.0.0/24', subnet6: 'fdb7:c955:468c:1e2f::/64' });
  const containers = [container('podman', net, 'db', '10.89.0.2', 'fdb7:c955:468c:1e2f::2', port(18080)), container('podman', net, 'web', '10.89.0.3', 'fdb7:c955:468c:1e2f::3')];
  const v4 = parseIptablesCounters(read('podman/netavark-1.4-dual-stack.iptables'));
  const v6 = read('podman/netavark-1.4-dual-stack.ip6tables');
  const target = { backend: 'podman' as const, hostNetns: 'ph' };
  const judge = (text6: string) => fwChainsIntact.judge(podmanChainsFacts(target, [net], containers, v4, null, parseIptablesCounters(text6)));

  it('the healthy pair passes with netavark\'s ip6tables rules counted', () => {
    const v = judge(v6);
    expect(v).toMatchObject({ status: 'pass', summary: 'all 14 rules the networks need are present' });
    expect(v.evidence).toEqual(expect.arrayContaining([
      "present: jump POSTROUTING -> fv6-pnet's NAT chain (ip6tables)",
      'present: published port 18080/tcp -> db [fdb7:c955:468c:1e2f::2]:5432 (DNAT) (ip6tables)',
    ]));
  });

  it('the IPv6 subnet\'s accept deleted from NETAVARK_FORWARD: named as ip6tables\', podman network reload puts it back', () => {
    const v = judge(withoutLine(v6, '[0:0] -A NETAVARK_FORWARD -s fdb7:c955:468c:1e2f::/64 -j ACCEPT'));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('1 of 14 rules the networks need are missing: traffic from fv6-pnet fdb7:c955:468c:1e2f::/64 accepted (ip6tables)');
    expect(v.evidence).toEqual(['missing: ip6tables -A NETAVARK_FORWARD -s fdb7:c955:468c:1e2f::/64 -j ACCEPT  (traffic from fv6-pnet fdb7:c955:468c:1e2f::/64 accepted (ip6tables))']);
    expect(v.fix).toBe('nsenter --net=/run/netns/ph podman network reload --all');
  });

  it('an IPv4-only network: ip6tables is not asked for', () => {
    const only4 = { ...net, subnet6: null };
    const v = fwChainsIntact.judge(podmanChainsFacts(target, [only4], containers, v4, null, null));
    expect(v).toMatchObject({ status: 'pass', summary: 'all 7 rules the networks need are present' });
  });
});

describe('fw.chains-intact: netavark 1.14 nftables driver, dual-stack (recorded)', () => {
  const net = network({ backend: 'podman', id: '7afa6b3c5e07c9c4d88e2ff2acf9e657f16f506a142d22cf6b41f8fe892853cb', name: 'fv6-nnet', bridge: 'podman1',
    subnet: '10.89.0.0/24', subnet6: 'fd3c:5c49:b4a5:b1cd::/64' });
  const containers = [container('podman', net, 'db', '10.89.0.2', 'fd3c:5c49:b4a5:b1cd::2', port(18081))];
  const ruleset = read('nft/netavark-1.14-dual-stack.nft');
  const target = { backend: 'podman' as const, hostNetns: 'nh' };
  const judge = (text: string) => fwChainsIntact.judge(podmanChainsFacts(target, [net], containers, null, text));

  it("names the IPv6 subnet's chain as netavark does: colons as -", () => {
    expect(netavarkNftChain(net, 6)).toBe('nv_7afa6b3c_fd3c-5c49-b4a5-b1cd--_nm64');
  });

  it('the healthy ruleset passes: both families\' forwarding, NAT and DNAT', () => {
    const v = judge(ruleset);
    expect(v).toMatchObject({ status: 'pass', summary: 'all 13 rules the networks need are present' });
    expect(v.evidence).toEqual(expect.arrayContaining([
      "present: jump POSTROUTING -> fv6-nnet's NAT chain (IPv6)",
      'present: outbound NAT (masquerade) for fv6-nnet fd3c:5c49:b4a5:b1cd::/64',
      'present: published port 18081/tcp -> db [fd3c:5c49:b4a5:b1cd::2]:5432 (DNAT)',
    ]));
  });

  it('an ip6 rule deleted from FORWARD: named, put back with nft add rule', () => {
    const v = judge(withoutLine(ruleset, '\t\tip6 saddr fd3c:5c49:b4a5:b1cd::/64 accept'));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('1 of 13 rules the networks need are missing: traffic from fv6-nnet fd3c:5c49:b4a5:b1cd::/64 accepted');
    expect(v.fix).toBe("ip netns exec nh nft 'add rule inet netavark FORWARD ip6 saddr fd3c:5c49:b4a5:b1cd::/64 accept'");
  });
});

/**
 * Docker 28's and 29's IPv6 side, which moby documents for IPv4 only: its
 * layouts' IPv4 fixtures said in IPv6 words (172.N.0.0/16 -> fd00:N::/64, the
 * loopback exception ::1, `ip6 docker-bridges`), beside the IPv4 ones.
 */
describe('fw.chains-intact: Docker 28 and 29 layouts in ip6tables and ip6 docker-bridges (derived from their IPv4 fixtures)', () => {
  const BR = 'br-5e1f0c2a9d34';
  const target = { backend: 'docker' as const, hostNetns: 'dh' };
  const hints = [{ bridge: BR, ipv6: true }];
  const in6 = (text: string) => text
    .replace(/127\.0\.0\.0\/8/g, (m, at: number) => (text.slice(at - 12, at).includes('daddr') ? '::1' : '::1/128'))
    .replace(/172\.(\d+)\.0\.0\/16/g, 'fd00:$1::/64').replace(/172\.(\d+)\.0\.(\d+)\/32/g, 'fd00:$1::$2/128')
    .replace(/172\.(\d+)\.0\.(\d+):(\d+)/g, '[fd00:$1::$2]:$3').replace(/172\.(\d+)\.0\.(\d+)/g, 'fd00:$1::$2')
    .replace(/\bip (daddr|saddr)\b/g, 'ip6 $1').replace('table ip docker-bridges', 'table ip6 docker-bridges');

  for (const version of ['28', '29']) {
    it(`${version}/usernet-portmap.iptables: both families whole pass; a raw direct-access drop missing in ip6tables is named and put back with ip6tables`, () => {
      const v4 = read(`docker-rulesets/${version}/usernet-portmap.iptables`);
      const v6 = in6(v4);
      const judge = (text6: string) => fwChainsIntact.judge(chainsFacts(target, [], parseIptablesCounters(v4), null, hints, parseIptablesCounters(text6)));
      const healthy = judge(v6);
      expect(healthy.status).toBe('pass');
      expect(healthy.summary).toMatch(/\(iptables and ip6tables\): all \d+ rules the networks need are present$/);
      const drop = `-A PREROUTING -d fd00:18::2/128 ! -i ${BR} -j DROP`;
      const v = judge(v6.split('\n').filter((l) => !l.endsWith(drop)).join('\n'));
      expect(v.status).toBe('fail');
      expect(v.evidence).toContain(`missing: ip6tables -t raw ${drop}  (raw PREROUTING drops direct access to fd00:18::2 from outside ${BR}: only its published ports are reachable (ip6tables))`);
      expect(v.fix).toBe(`ip netns exec dh ip6tables -t raw -I PREROUTING 1 -d fd00:18::2/128 ! -i ${BR} -j DROP`);
    });
  }

  it('29/usernet-portmap.nft: ip and ip6 docker-bridges whole pass; an ip6 map element missing is put back with nft', () => {
    const v4 = read('docker-rulesets/29/usernet-portmap.nft');
    const judge = (text6: string) => fwChainsIntact.judge(chainsFacts(target, [], null, `${v4}\n${text6}`, hints, null));
    const healthy = judge(in6(v4));
    expect(healthy.status).toBe('pass');
    expect(healthy.summary).toMatch(/^Docker 29-nftables layout \(iptables and ip6tables\): all \d+ rules/);
    const v6 = in6(v4);
    const element = `"${BR}" : jump filter-forward-in__${BR}`;
    expect(v6).toContain(element);
    const without = v6.replace(`,\n\t\t\t     ${element} }`, ' }');
    expect(without).not.toContain(element);
    const v = judge(without);
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`ip netns exec dh nft 'add element ip6 docker-bridges filter-forward-in-jumps { ${element} }'`);
  });
});
