import type { InvContainer, InvNetwork } from '../../inventory/types.js';
import { escape, exact, publishedDnats, type ExpectedRule } from './expected.js';

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
  // netavark sets a network up when its first container starts, and tears it down after the last
  const inUse = new Set(containers.filter((c) => c.running).flatMap((c) => c.endpoints.map((e) => e.network)));
  const bridges = networks.filter((n) => n.driver === 'bridge' && n.bridge && n.subnet && !n.internal && inUse.has(n.name));
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
