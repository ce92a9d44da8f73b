import type { InvContainer, InvNetwork } from '../../inventory/types.js';
import type { Family } from '../../families.js';
import { escape, exact, publishedDnats, type ExpectedRule, type PresentRules } from './expected.js';
import type { NftTableText } from './nft-ruleset-text.js';

/** The table netavark's nftables driver (netavark >= 1.10, `firewall_driver = "nftables"`) keeps all its rules in. */
export const NETAVARK_NFT_TABLE = { family: 'inet', name: 'netavark' } as const;
const NFT_TABLE = `${NETAVARK_NFT_TABLE.family} ${NETAVARK_NFT_TABLE.name}`;

/** netavark sets a network up when its first container starts, and tears it down after the last; a family's rules where it has a subnet in it. */
function bridgesInUse(networks: InvNetwork[], containers: InvContainer[], family: Family = 4): InvNetwork[] {
  const inUse = new Set(containers.filter((c) => c.running).flatMap((c) => c.endpoints.map((e) => e.network)));
  return networks.filter((n) => n.driver === 'bridge' && n.bridge && (family === 6 ? n.subnet6 : n.subnet) && !n.internal && inUse.has(n.name));
}

/** What netavark writes differently per family: its multicast exception to masquerading, and the words of the rules. */
const FAMILY = {
  4: { subnet: (n: InvNetwork) => n.subnet!, multicast: '224.0.0.0/4', nftMulticast: ['224.0.0.0/4'], nft: 'ip', tag: '', to: (a: string) => a },
  // netavark 1.14 writes `ip6 daddr != ::/8 masquerade` (recorded: fixtures/nft/netavark-1.14-dual-stack.nft); ff00::/8 is what it means
  6: { subnet: (n: InvNetwork) => n.subnet6!, multicast: 'ff00::/8', nftMulticast: ['::/8', 'ff00::/8'], nft: 'ip6', tag: ' (ip6tables)', to: (a: string) => `[${a}]` },
} as const;

/**
 * The iptables rules netavark (Podman 4's network backend) installs for its
 * bridge networks: FORWARD jumps once to NETAVARK_FORWARD, which accepts each
 * subnet's traffic; each network's outbound NAT sits in a chain of its own
 * (NETAVARK-<hash>) that POSTROUTING jumps to; published ports go through
 * NETAVARK-HOSTPORT-DNAT into per-network NETAVARK-DN-<hash> chains. Internal
 * networks get none of these, nor do networks without a running container. The
 * hashes are netavark's, so the patterns take any. A network with an IPv6
 * subnet (`podman network create --ipv6`) has the same in ip6tables, over that
 * subnet, its NAT chain (same name) masquerading all but ff00::/8.
 */
export function netavarkExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  return [...netavarkFamily(networks, containers, 4), ...netavarkFamily(networks, containers, 6)];
}

function netavarkFamily(networks: InvNetwork[], containers: InvContainer[], family: Family): ExpectedRule[] {
  const bridges = bridgesInUse(networks, containers, family);
  if (!bridges.length) return [];
  const f = FAMILY[family];
  const of6 = family === 6 ? { family: 6 as const } : {};
  const out: ExpectedRule[] = [{
    table: 'filter', chain: 'FORWARD', rule: '-A FORWARD -j NETAVARK_FORWARD',
    pattern: '^-A FORWARD (.* )?-j NETAVARK_FORWARD$', purpose: `jump FORWARD -> NETAVARK_FORWARD${f.tag}`, ...of6,
  }];
  for (const n of bridges) {
    const cidr = f.subnet(n);
    const subnet = escape(cidr);
    out.push(
      { table: 'filter', chain: 'NETAVARK_FORWARD', rule: `-A NETAVARK_FORWARD -d ${cidr} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        pattern: `^-A NETAVARK_FORWARD -d ${subnet} .*--ctstate RELATED,ESTABLISHED -j ACCEPT$`, purpose: `replies into ${n.name} ${cidr} accepted${f.tag}`, ...of6 },
      exact('filter', 'NETAVARK_FORWARD', `-s ${cidr} -j ACCEPT`, `traffic from ${n.name} ${cidr} accepted${f.tag}`, family),
      { table: 'nat', chain: 'POSTROUTING', rule: `-A POSTROUTING -s ${cidr} -j NETAVARK-<hash>`,
        pattern: `^-A POSTROUTING -s ${subnet} -j NETAVARK-[0-9A-F]+$`, purpose: `jump POSTROUTING -> ${n.name}'s NAT chain${f.tag}`, ...of6 },
    );
  }
  out.push({ table: 'nat', chain: 'NETAVARK-<hash>', rule: `-A NETAVARK-<hash> ! -d ${f.multicast} -j MASQUERADE`,
    pattern: `^-A NETAVARK-[0-9A-F]+ ! -d ${escape(f.multicast)} -j MASQUERADE$`, purpose: `outbound NAT (MASQUERADE) for the networks${f.tag}`, ...of6 });
  return [...out, ...publishedDnats(bridges, containers, 'NETAVARK-HOSTPORT-DNAT', 'NETAVARK-DN-<hash>', 'NETAVARK-DN-[0-9A-F]+', family)];
}

/** A rule of netavark's nft table, as `nft add rule inet netavark CHAIN RULE` takes it and `nft list ruleset` prints it. */
function nftRule(chain: string, rule: string, purpose: string): ExpectedRule {
  const text = `${chain} ${rule}`;
  return { table: NFT_TABLE, chain, rule: text, pattern: `^${escape(text)}$`, purpose };
}

/**
 * A network's chains in netavark's nft table: `nv_<first 8 of its id>_<subnet,
 * dots as _, colons as -, the prefix length after _nm>`, e.g.
 * nv_bae233d2_10_89_0_0_nm24 (its NAT) and ..._dnat (its published ports);
 * nv_7afa6b3c_fd3c-5c49-b4a5-b1cd--_nm64 for its IPv6 subnet.
 */
export const netavarkNftChain = (n: Pick<InvNetwork, 'id' | 'subnet' | 'subnet6'>, family: Family = 4): string =>
  `nv_${n.id.slice(0, 8)}_${(family === 6 ? n.subnet6! : n.subnet!).replace(/\./g, '_').replace(/:/g, '-').replace('/', '_nm')}`;

/**
 * The same needs with netavark's nftables driver (table inet netavark, written
 * from `nft list ruleset` as netavark 1.14 makes it): FORWARD accepts each
 * subnet's traffic and the replies into it, POSTROUTING jumps per subnet into
 * the network's NAT chain, which masquerades; published ports go from
 * PREROUTING's local-address jump through NETAVARK-HOSTPORT-DNAT into the
 * network's _dnat chain. There is no FORWARD jump: FORWARD is netavark's own base chain.
 */
export function netavarkNftExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  const published = containers.filter((c) => c.running && c.published.length);
  const families = ([4, 6] as const).map((family) => ({ family, bridges: bridgesInUse(networks, containers, family) }));
  const out: ExpectedRule[] = [];
  for (const { family, bridges } of families) {
    const f = FAMILY[family];
    for (const n of bridges) {
      const nat = netavarkNftChain(n, family);
      const cidr = f.subnet(n);
      out.push(
        nftRule('FORWARD', `${f.nft} daddr ${cidr} ct state established,related accept`, `replies into ${n.name} ${cidr} accepted`),
        nftRule('FORWARD', `${f.nft} saddr ${cidr} accept`, `traffic from ${n.name} ${cidr} accepted`),
        nftRule('POSTROUTING', `${f.nft} saddr ${cidr} jump ${nat}`, `jump POSTROUTING -> ${n.name}'s NAT chain${family === 6 ? ' (IPv6)' : ''}`),
        nftRuleOneOf(nat, f.nftMulticast.map((m) => `${f.nft} daddr != ${m} masquerade`), `outbound NAT (masquerade) for ${n.name} ${cidr}`),
      );
    }
  }
  if (!published.length) return out;
  out.push(nftRule('PREROUTING', 'fib daddr type local jump NETAVARK-HOSTPORT-DNAT', 'jump PREROUTING -> NETAVARK-HOSTPORT-DNAT (published ports)'));
  for (const { family, bridges } of families) {
    const f = FAMILY[family];
    for (const c of published) {
      const ep = c.endpoints.find((e) => (family === 6 ? e.ipv6 : e.ipv4) && bridges.some((n) => n.name === e.network));
      const net = bridges.find((n) => n.name === ep?.network);
      if (!ep || !net) continue;
      const dnat = `${netavarkNftChain(net, family)}_dnat`;
      const dnatChain = `${net.name}'s ${family === 6 ? 'IPv6 ' : ''}DNAT chain`;
      for (const p of c.published) {
        const to = `${f.to((family === 6 ? ep.ipv6 : ep.ipv4)!)}:${p.containerPort}`;
        out.push(
          nftRule('NETAVARK-HOSTPORT-DNAT', `${p.proto} dport ${p.hostPort} jump ${dnat}`, `published port ${p.hostPort}/${p.proto} -> ${dnatChain}`),
          nftRule(dnat, `${p.proto} dport ${p.hostPort} dnat ${f.nft} to ${to}`, `published port ${p.hostPort}/${p.proto} -> ${c.name} ${to} (DNAT)`),
        );
      }
    }
  }
  return out;
}

/** A rule netavark versions write in one of several forms: shown (and put back) as the first. */
function nftRuleOneOf(chain: string, rules: readonly string[], purpose: string): ExpectedRule {
  return { ...nftRule(chain, rules[0]!, purpose), pattern: `^(${rules.map((r) => escape(`${chain} ${r}`)).join('|')})$` };
}

/** The rules of netavark's nft table in the form netavarkNftExpected's patterns match ("CHAIN RULE"); null when the table is absent. */
export function netavarkNftPresent(tables: NftTableText[]): PresentRules | null {
  const t = tables.find((x) => x.family === NETAVARK_NFT_TABLE.family && x.name === NETAVARK_NFT_TABLE.name);
  if (!t) return null;
  return [...t.chains].flatMap(([chain, c]) => c.rules.map((r) => ({ table: NFT_TABLE, text: `${chain} ${r}` })));
}
