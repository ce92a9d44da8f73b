import { pickSubnet } from '../../../netcore/bridge/ipam.js';
import { formatCidr, overlaps, parseCidr, type Cidr } from '../../../netcore/ipv4.js';
import { maskOf6, overlaps6, parseIpv6, type Cidr6 } from '../../../netcore/ipv6.js';
import type { AddressEntry, RouteEntry } from '../../host-reader.js';
import { fail, pass, skip, type Check } from '../../check.js';
import { cli, onHost, type FixTarget } from '../../fixes.js';

export interface IpamNetwork { name: string; subnet: string; driver: string; bridge: string | null }

export interface IpamFacts extends FixTarget {
  networks: IpamNetwork[];
  routes: RouteEntry[];
  addresses: AddressEntry[];
  nameservers: string[];
  /** the networks' IPv6 subnets (one entry per network that has one) and the host's IPv6 routes and addresses (absent: no network has IPv6) */
  networks6?: IpamNetwork[];
  routes6?: RouteEntry[];
  addresses6?: AddressEntry[];
}

interface Overlap { network: IpamNetwork; what: string; fix: string | null }

const cidrOf = (dst: string) => parseCidr(dst.includes('/') ? dst : `${dst}/32`, { strict: false });
const isIpv4Text = (a: string) => /^\d+\.\d+\.\d+\.\d+$/.test(a);

/** Two prefixes of one family overlap (either family: IPv6 written with a colon); a bare address is its host prefix. */
function prefixesOverlap(a: string, b: string): boolean {
  const v6 = a.includes(':');
  if (v6 !== b.includes(':')) return false;
  if (!v6) return overlaps(cidrOf(a), cidrOf(b));
  return overlaps6(looseCidr6(a), looseCidr6(b));
}

/** "fd00::5/64" as its network fd00::/64 (an address with its prefix, as a host holds it). */
function looseCidr6(text: string): Cidr6 {
  const [addr, len] = text.split('/');
  const prefix = len === undefined ? 128 : Number(len);
  return { base: parseIpv6(addr!) & maskOf6(prefix), prefix };
}

/** Not a network's: loopback, and IPv6's link-local and multicast prefixes every link has. */
const linkScoped = (addr: string) => addr.startsWith('127.') || addr === '::1' || /^fe[89ab]/i.test(addr) || /^ff/i.test(addr);

/** Routes and addresses that belong to none of the networks' own devices: a VPN, a LAN, the uplink (both families). */
function foreign(f: IpamFacts) {
  const own = new Set([...f.networks, ...(f.networks6 ?? [])].map((n) => n.bridge).filter((b): b is string => !!b));
  // address-derived routes (proto kernel) are reported through their address
  const routes = [...f.routes, ...(f.routes6 ?? [])].filter((r) => r.dst !== 'default' && !(r.dev && own.has(r.dev)) && r.protocol !== 'kernel' && !linkScoped(r.dst));
  const addresses = [...f.addresses, ...(f.addresses6 ?? [])].filter((a) => !own.has(a.ifname) && !linkScoped(a.address));
  return { routes, addresses };
}

function routeText(r: RouteEntry): string {
  return `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
}

function overlapsOf(f: IpamFacts): Overlap[] {
  const { routes, addresses } = foreign(f);
  const out: Overlap[] = [];
  for (const n of [...f.networks, ...(f.networks6 ?? [])]) {
    for (const r of routes) {
      if (prefixesOverlap(n.subnet, r.dst)) out.push({ network: n, what: `host route ${routeText(r)}${r.protocol ? ` (proto ${r.protocol})` : ''}`, fix: onHost(f, `ip route del ${routeText(r)}`) });
    }
    // a macvlan network lives on its parent's LAN by design: its addresses and nameservers are neighbours
    if (n.driver === 'macvlan') continue;
    for (const a of addresses) {
      if (prefixesOverlap(n.subnet, `${a.address}/${a.prefixLen}`)) out.push({ network: n, what: `host address ${a.address}/${a.prefixLen} on ${a.ifname}`, fix: null });
    }
    for (const ns of f.nameservers) {
      if (prefixesOverlap(n.subnet, ns)) out.push({ network: n, what: `the host's nameserver ${ns}`, fix: null });
    }
  }
  return out;
}

/** A subnet clear of every network, route and address, as IPAM would pick it. */
function freeSubnet(f: IpamFacts): string | null {
  const { routes, addresses } = foreign(f);
  const taken: Cidr[] = [
    ...f.networks.map((n) => parseCidr(n.subnet, { strict: false })),
    ...routes.filter((r) => !r.dst.includes(':')).map((r) => cidrOf(r.dst)),
    ...addresses.filter((a) => isIpv4Text(a.address)).map((a) => parseCidr(`${a.address}/${a.prefixLen}`, { strict: false })),
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
    const networks6 = ctx.target.networks.filter((n) => n.subnet6).map((n) => ({ name: n.name, subnet: n.subnet6!, driver: n.driver, bridge: n.bridge }));
    const netns = ctx.inventory.hostNetns;
    const [routes, addresses, conf, routes6, addresses6] = await Promise.all([
      ctx.host.routes(), ctx.host.addresses(), ctx.host.resolvConf(),
      networks6.length ? ctx.host.routes6() : [], networks6.length ? ctx.host.addresses6() : [],
    ]);
    return {
      backend: ctx.inventory.backend, hostNetns: netns, networks, routes, addresses, nameservers: conf.nameservers,
      ...(networks6.length ? { networks6, routes6, addresses6 } : {}),
    };
  },
  judge(f) {
    if (!f.networks.length && !f.networks6?.length) return skip('no network with a subnet');
    const found = overlapsOf(f);
    const { routes, addresses } = foreign(f);
    if (!found.length) {
      const all = [...f.networks, ...(f.networks6 ?? [])];
      return pass(`${all.length} subnet(s) clear of ${routes.length} host route(s), ${addresses.length} address(es) and ${f.nameservers.length} nameserver(s)`, [
        ...all.map((n) => `network ${n.name}: ${n.subnet}`),
        ...routes.map((r) => `route ${routeText(r)}`), ...addresses.map((a) => `address ${a.address}/${a.prefixLen} on ${a.ifname}`),
        `nameservers: ${f.nameservers.join(', ') || 'none'}`,
      ]);
    }
    const first = found[0]!;
    const v6 = first.network.subnet.includes(':');
    // an IPv6 subnet moves by the ULA rule (a /64 of the host's /48), or to one the user picks
    const free = v6 ? 'FREE-IPV6-SUBNET' : (freeSubnet(f) ?? 'FREE-SUBNET');
    const move = `${cli(f, `network rm ${first.network.name}`)} && ${cli(f, `network create ${v6 ? '--ipv6 ' : ''}--subnet ${free} ${first.network.name}`)}`;
    const evidence = [
      ...found.map((o) => `network ${o.network.name} ${o.network.subnet} overlaps ${o.what}`),
      'traffic between the containers and those addresses goes the wrong way (into the bridge, or out of the host)',
      ...(first.fix ? [`or move the network to a free subnet (disconnect its containers first): ${move}`] : [`${free} is free`]),
    ];
    return fail(`network ${first.network.name} (${first.network.subnet}) overlaps ${first.what}`, evidence, first.fix ?? move);
  },
};
