import type { InvContainer, InvNetwork } from '../../inventory/types.js';
import { escape, exact, publishedDnats, type ExpectedRule, type PresentRules } from './expected.js';
import type { NftTableText } from './nft-ruleset-text.js';

/** The table netavark's nftables driver (netavark >= 1.10, `firewall_driver = "nftables"`) keeps all its rules in. */
export const NETAVARK_NFT_TABLE = { family: 'inet', name: 'netavark' } as const;
const NFT_TABLE = `${NETAVARK_NFT_TABLE.family} ${NETAVARK_NFT_TABLE.name}`;

/** netavark sets a network up when its first container starts, and tears it down after the last. */
function bridgesInUse(networks: InvNetwork[], containers: InvContainer[]): InvNetwork[] {
  const inUse = new Set(containers.filter((c) => c.running).flatMap((c) => c.endpoints.map((e) => e.network)));
  return networks.filter((n) => n.driver === 'bridge' && n.bridge && n.subnet && !n.internal && inUse.has(n.name));
}

/**
 * The iptables rules netavark (Podman 4's network backend) installs for its
 * bridge networks: FORWARD jumps once to NETAVARK_FORWARD, which accepts each
 * subnet's traffic; each network's outbound NAT sits in a chain of its own
 * (NETAVARK-<hash>) that POSTROUTING jumps to; published ports go through
 * NETAVARK-HOSTPORT-DNAT into per-network NETAVARK-DN-<hash> chains. Internal
 * networks get none of these, nor do networks without a running container. The
 * hashes are netavark's, so the patterns take any.
 */
export function netavarkExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  const bridges = bridgesInUse(networks, containers);
  if (!bridges.length) return [];
  const out: ExpectedRule[] = [{
    table: 'filter', chain: 'FORWARD', rule: '-A FORWARD -j NETAVARK_FORWARD',
    pattern: '^-A FORWARD (.* )?-j NETAVARK_FORWARD$', purpose: 'jump FORWARD -> NETAVARK_FORWARD',
  }];
  for (const n of bridges) {
    const subnet = escape(n.subnet!);
    out.push(
      { table: 'filter', chain: 'NETAVARK_FORWARD', rule: `-A NETAVARK_FORWARD -d ${n.subnet} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        pattern: `^-A NETAVARK_FORWARD -d ${subnet} .*--ctstate RELATED,ESTABLISHED -j ACCEPT$`, purpose: `replies into ${n.name} ${n.subnet} accepted` },
      exact('filter', 'NETAVARK_FORWARD', `-s ${n.subnet} -j ACCEPT`, `traffic from ${n.name} ${n.subnet} accepted`),
      { table: 'nat', chain: 'POSTROUTING', rule: `-A POSTROUTING -s ${n.subnet} -j NETAVARK-<hash>`,
        pattern: `^-A POSTROUTING -s ${subnet} -j NETAVARK-[0-9A-F]+$`, purpose: `jump POSTROUTING -> ${n.name}'s NAT chain` },
    );
  }
  out.push({ table: 'nat', chain: 'NETAVARK-<hash>', rule: '-A NETAVARK-<hash> ! -d 224.0.0.0/4 -j MASQUERADE',
    pattern: '^-A NETAVARK-[0-9A-F]+ ! -d 224\\.0\\.0\\.0/4 -j MASQUERADE$', purpose: 'outbound NAT (MASQUERADE) for the networks' });
  return [...out, ...publishedDnats(bridges, containers, 'NETAVARK-HOSTPORT-DNAT', 'NETAVARK-DN-<hash>', 'NETAVARK-DN-[0-9A-F]+')];
}

/** A rule of netavark's nft table, as `nft add rule inet netavark CHAIN RULE` takes it and `nft list ruleset` prints it. */
function nftRule(chain: string, rule: string, purpose: string): ExpectedRule {
  const text = `${chain} ${rule}`;
  return { table: NFT_TABLE, chain, rule: text, pattern: `^${escape(text)}$`, purpose };
}

/**
 * A network's chains in netavark's nft table: `nv_<first 8 of its id>_<subnet,
 * dots and colons as _, the prefix length after _nm>`, e.g.
 * nv_bae233d2_10_89_0_0_nm24 (its NAT) and ..._dnat (its published ports).
 */
export const netavarkNftChain = (n: Pick<InvNetwork, 'id' | 'subnet'>): string =>
  `nv_${n.id.slice(0, 8)}_${n.subnet!.replace(/[.:]/g, '_').replace('/', '_nm')}`;

/**
 * The same needs with netavark's nftables driver (table inet netavark, written
 * from `nft list ruleset` as netavark 1.14 makes it): FORWARD accepts each
 * subnet's traffic and the replies into it, POSTROUTING jumps per subnet into
 * the network's NAT chain, which masquerades; published ports go from
 * PREROUTING's local-address jump through NETAVARK-HOSTPORT-DNAT into the
 * network's _dnat chain. There is no FORWARD jump: FORWARD is netavark's own base chain.
 */
export function netavarkNftExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  const bridges = bridgesInUse(networks, containers);
  const out: ExpectedRule[] = [];
  for (const n of bridges) {
    const nat = netavarkNftChain(n);
    out.push(
      nftRule('FORWARD', `ip daddr ${n.subnet} ct state established,related accept`, `replies into ${n.name} ${n.subnet} accepted`),
      nftRule('FORWARD', `ip saddr ${n.subnet} accept`, `traffic from ${n.name} ${n.subnet} accepted`),
      nftRule('POSTROUTING', `ip saddr ${n.subnet} jump ${nat}`, `jump POSTROUTING -> ${n.name}'s NAT chain`),
      nftRule(nat, 'ip daddr != 224.0.0.0/4 masquerade', `outbound NAT (masquerade) for ${n.name} ${n.subnet}`),
    );
  }
  const published = containers.filter((c) => c.running && c.published.length);
  if (!published.length) return out;
  out.push(nftRule('PREROUTING', 'fib daddr type local jump NETAVARK-HOSTPORT-DNAT', 'jump PREROUTING -> NETAVARK-HOSTPORT-DNAT (published ports)'));
  for (const c of published) {
    const ep = c.endpoints.find((e) => e.ipv4 && bridges.some((n) => n.name === e.network));
    const net = bridges.find((n) => n.name === ep?.network);
    if (!ep || !net) continue;
    const dnat = `${netavarkNftChain(net)}_dnat`;
    for (const p of c.published) {
      const to = `${ep.ipv4}:${p.containerPort}`;
      out.push(
        nftRule('NETAVARK-HOSTPORT-DNAT', `${p.proto} dport ${p.hostPort} jump ${dnat}`, `published port ${p.hostPort}/${p.proto} -> ${net.name}'s DNAT chain`),
        nftRule(dnat, `${p.proto} dport ${p.hostPort} dnat ip to ${to}`, `published port ${p.hostPort}/${p.proto} -> ${c.name} ${to} (DNAT)`),
      );
    }
  }
  return out;
}

/** The rules of netavark's nft table in the form netavarkNftExpected's patterns match ("CHAIN RULE"); null when the table is absent. */
export function netavarkNftPresent(tables: NftTableText[]): PresentRules | null {
  const t = tables.find((x) => x.family === NETAVARK_NFT_TABLE.family && x.name === NETAVARK_NFT_TABLE.name);
  if (!t) return null;
  return [...t.chains].flatMap(([chain, c]) => c.rules.map((r) => ({ table: NFT_TABLE, text: `${chain} ${r}` })));
}
