import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fwChainsIntact, podmanChainsFacts } from '../../../../../src/diag/checks/firewall/chains-intact.js';
import { netavarkNftChain } from '../../../../../src/diag/checks/firewall/netavark-expected.js';
import type { IptablesState } from '../../../../../src/diag/host-reader.js';
import type { InvContainer, InvNetwork } from '../../../../../src/diag/inventory/types.js';

/**
 * fw.chains-intact on netavark's nftables driver, judged from the ruleset
 * netavark 1.14 wrote for one network with a published port (recorded from
 * `scripts/podman-engine --netavark nftables`).
 */
const ruleset = fs.readFileSync(path.resolve(import.meta.dirname, '../../../../../fixtures/nft/netavark-1.14-published.nft'), 'utf8');
const target = { backend: 'podman' as const, hostNetns: 'podhost' };
const net: InvNetwork = {
  backend: 'podman', id: 'bae233d2c576196e4c91300362e9f10eb9c4161f8c3d2444164ba417bcbd81f7', name: 'app', driver: 'bridge',
  subnet: '10.89.0.0/24', gateway: '10.89.0.1', internal: false, bridge: 'podman1', mtu: null, isDefault: true,
};
const ctr = (name: string, ipv4: string, published: InvContainer['published'] = []): InvContainer => ({
  backend: 'podman', id: name, name, running: true, pid: 1, netnsPath: null, networkMode: 'bridge', published, resolvConfPath: null,
  endpoints: [{ network: 'app', networkId: net.id, ipv4, prefixLen: 24, mac: null, aliases: [], hostIf: null }],
});
const containers = [ctr('web', '10.89.0.8'), ctr('db', '10.89.0.7', [{ hostIp: '', hostPort: 18432, containerPort: 5432, proto: 'tcp' }])];
const noNetavarkIptables: IptablesState = { rules: [], policies: [] } as unknown as IptablesState;
const facts = (text: string) => podmanChainsFacts(target, [net], containers, noNetavarkIptables, text);
const without = (line: string) => {
  expect(ruleset).toContain(`\t\t${line}\n`);
  return ruleset.replace(`\t\t${line}\n`, '');
};

describe('fw.chains-intact on netavark nftables', () => {
  it("names a network's chains as netavark does: nv_<id prefix>_<subnet>", () => {
    expect(netavarkNftChain(net)).toBe('nv_bae233d2_10_89_0_0_nm24');
  });

  it('the recorded healthy ruleset passes: forwarding, the NAT chain and the published port', () => {
    const v = fwChainsIntact.judge(facts(ruleset));
    expect(v).toMatchObject({ status: 'pass', summary: 'all 7 rules the networks need are present' });
    expect(v.evidence).toEqual([
      "present: jump POSTROUTING -> app's NAT chain",
      'present: outbound NAT (masquerade) for app 10.89.0.0/24',
      'present: jump PREROUTING -> NETAVARK-HOSTPORT-DNAT (published ports)',
      "present: published port 18432/tcp -> app's DNAT chain",
      'present: published port 18432/tcp -> db 10.89.0.7:5432 (DNAT)',
    ]);
  });

  it('a rule deleted from a chain still there: named, and put back with nft add rule (reload would not)', () => {
    const v = fwChainsIntact.judge(facts(without('ip saddr 10.89.0.0/24 accept')));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('1 of 7 rules the networks need are missing: traffic from app 10.89.0.0/24 accepted');
    expect(v.evidence).toEqual(['missing: inet netavark FORWARD ip saddr 10.89.0.0/24 accept  (traffic from app 10.89.0.0/24 accepted)']);
    expect(v.fix).toBe("ip netns exec podhost nft 'add rule inet netavark FORWARD ip saddr 10.89.0.0/24 accept'");
  });

  it("the network's NAT chain gone: what it strands, and podman network reload (netavark remakes an absent chain)", () => {
    const text = without('ip daddr 10.89.0.0/24 accept').replace('\t\tip daddr != 224.0.0.0/4 masquerade\n', '')
      .replace('\t\tip saddr 10.89.0.0/24 jump nv_bae233d2_10_89_0_0_nm24\n', '');
    const v = fwChainsIntact.judge(facts(text));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^2 of 7 rules the networks need are missing: jump POSTROUTING -> app's NAT chain, outbound NAT/);
    expect(v.fix).toBe('nsenter --net=/run/netns/podhost podman network reload --all');
  });

  it("netavark's iptables rules present: the iptables expectations hold, a stale nft table does not count", () => {
    const iptables = { rules: [{ table: 'filter', chain: 'FORWARD', text: '-A FORWARD -j NETAVARK_FORWARD' }], policies: [] } as unknown as IptablesState;
    const f = podmanChainsFacts(target, [net], containers, iptables, ruleset);
    expect(f.expected[0]!.rule).toBe('-A FORWARD -j NETAVARK_FORWARD');
    expect(fwChainsIntact.judge(f).status).toBe('fail');
  });

  it('no nft table and no iptables rules: the iptables driver is what is missing', () => {
    expect(podmanChainsFacts(target, [net], containers, noNetavarkIptables, '').expected[0]!.table).toBe('filter');
  });
});
