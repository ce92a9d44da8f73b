import { pickSubnet } from '../../../netcore/bridge/ipam.js';
import { contains, formatCidr, overlaps, parseCidr, parseIpv4, type Cidr } from '../../../netcore/ipv4.js';
import type { AddressEntry, RouteEntry } from '../../host-reader.js';
import { fail, pass, skip, type Check } from '../../check.js';
import { cli, onHost, type FixTarget } from '../../fixes.js';

export interface IpamNetwork { name: string; subnet: string; driver: string; bridge: string | null }

export interface IpamFacts extends FixTarget {
  networks: IpamNetwork[];
  routes: RouteEntry[];
  addresses: AddressEntry[];
  nameservers: string[];
}

interface Overlap { network: IpamNetwork; what: string; fix: string | null }

const cidrOf = (dst: string) => parseCidr(dst.includes('/') ? dst : `${dst}/32`, { strict: false });
const isIpv4Text = (a: string) => /^\d+\.\d+\.\d+\.\d+$/.test(a);

/** Routes and addresses that belong to none of the networks' own devices: a VPN, a LAN, the uplink. */
function foreign(f: IpamFacts) {
  const own = new Set(f.networks.map((n) => n.bridge).filter((b): b is string => !!b));
  // address-derived routes (proto kernel) are reported through their address
  const routes = f.routes.filter((r) => r.dst !== 'default' && !(r.dev && own.has(r.dev)) && r.protocol !== 'kernel');
  const addresses = f.addresses.filter((a) => !own.has(a.ifname) && !a.address.startsWith('127.'));
  return { routes, addresses };
}

function routeText(r: RouteEntry): string {
  return `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
}

function overlapsOf(f: IpamFacts): Overlap[] {
  const { routes, addresses } = foreign(f);
  const out: Overlap[] = [];
  for (const n of f.networks) {
    const subnet = parseCidr(n.subnet, { strict: false });
    for (const r of routes) {
      if (overlaps(subnet, cidrOf(r.dst))) out.push({ network: n, what: `host route ${routeText(r)}${r.protocol ? ` (proto ${r.protocol})` : ''}`, fix: onHost(f, `ip route del ${routeText(r)}`) });
    }
    // a macvlan network lives on its parent's LAN by design: its addresses and nameservers are neighbours
    if (n.driver === 'macvlan') continue;
    for (const a of addresses) {
      if (overlaps(subnet, parseCidr(`${a.address}/${a.prefixLen}`, { strict: false }))) out.push({ network: n, what: `host address ${a.address}/${a.prefixLen} on ${a.ifname}`, fix: null });
    }
    for (const ns of f.nameservers.filter(isIpv4Text)) {
      if (contains(subnet, parseIpv4(ns))) out.push({ network: n, what: `the host's nameserver ${ns}`, fix: null });
    }
  }
  return out;
}

/** A subnet clear of every network, route and address, as IPAM would pick it. */
function freeSubnet(f: IpamFacts): string | null {
  const { routes, addresses } = foreign(f);
  const taken: Cidr[] = [
    ...f.networks.map((n) => parseCidr(n.subnet, { strict: false })),
    ...routes.map((r) => cidrOf(r.dst)),
    ...addresses.map((a) => parseCidr(`${a.address}/${a.prefixLen}`, { strict: false })),
    ...f.nameservers.filter(isIpv4Text).map((ns) => cidrOf(ns)),
  ];
  try {
    return formatCidr(pickSubnet(taken));
  } catch {
    return null;
  }
}

export const ipamOverlap: Check<IpamFacts> = {
  id: 'ipam.overlap',
  title: 'network subnets clear of host routes, addresses and nameservers',
  async gather(ctx) {
    const networks = ctx.target.networks.filter((n) => n.subnet).map((n) => ({ name: n.name, subnet: n.subnet!, driver: n.driver, bridge: n.bridge }));
    const netns = ctx.inventory.hostNetns;
    const [routes, addresses, conf] = await Promise.all([
      ctx.host.routes(), ctx.host.addresses(), ctx.host.resolvConf(),
    ]);
    return { backend: ctx.inventory.backend, hostNetns: netns, networks, routes, addresses, nameservers: conf.nameservers };
  },
  judge(f) {
    if (!f.networks.length) return skip('no network with a subnet');
    const found = overlapsOf(f);
    const { routes, addresses } = foreign(f);
    if (!found.length) {
      return pass(`${f.networks.length} subnet(s) clear of ${routes.length} host route(s), ${addresses.length} address(es) and ${f.nameservers.length} nameserver(s)`, [
        ...f.networks.map((n) => `network ${n.name}: ${n.subnet}`),
        ...routes.map((r) => `route ${routeText(r)}`), ...addresses.map((a) => `address ${a.address}/${a.prefixLen} on ${a.ifname}`),
        `nameservers: ${f.nameservers.join(', ') || 'none'}`,
      ]);
    }
    const first = found[0]!;
    const free = freeSubnet(f) ?? 'FREE-SUBNET';
    const move = `${cli(f, `network rm ${first.network.name}`)} && ${cli(f, `network create --subnet ${free} ${first.network.name}`)}`;
    const evidence = [
      ...found.map((o) => `network ${o.network.name} ${o.network.subnet} overlaps ${o.what}`),
      'traffic between the containers and those addresses goes the wrong way (into the bridge, or out of the host)',
      ...(first.fix ? [`or move the network to a free subnet (disconnect its containers first): ${move}`] : [`${free} is free`]),
    ];
    return fail(`network ${first.network.name} (${first.network.subnet}) overlaps ${first.what}`, evidence, first.fix ?? move);
  },
};
