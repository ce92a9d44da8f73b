import { UsageError } from '../errors.js';
import {
  contains, containsCidr, formatCidr, formatIpv4, lastAddress, overlaps, parseCidr, parseIpv4, size, type Cidr,
} from '../ipv4.js';

/**
 * IPAM as pure bookkeeping, after libnetwork's default allocator: subnets from
 * Docker's default pools, addresses handed out in order inside a subnet (or its
 * --ip-range), never the network, broadcast or gateway address.
 */
export const DEFAULT_BRIDGE_SUBNET = '172.17.0.0/16';

/** Docker's default address pools for user-defined networks. */
export function* defaultPoolSubnets(): Generator<Cidr> {
  for (let second = 18; second <= 31; second++) yield parseCidr(`172.${second}.0.0/16`);
  for (let third = 0; third < 256; third += 16) yield parseCidr(`192.168.${third}.0/20`);
}

/** The first default-pool subnet that overlaps none of `taken` (existing networks, host routes and addresses). */
export function pickSubnet(taken: Cidr[]): Cidr {
  for (const candidate of defaultPoolSubnets()) {
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  throw new UsageError('all predefined address pools have been fully subnetted');
}

export interface SubnetPlan {
  subnet: string;
  gateway: string;
  ipRange: string | null;
}

/** Validates --subnet/--gateway/--ip-range the way `docker network create` does. */
export function planSubnet(opts: {
  subnet: string | null;
  gateway: string | null;
  ipRange: string | null;
  existing: Cidr[]; // subnets of other networks on this host
  hostRoutes: Cidr[]; // routes and addresses of the host: only avoided when picking a subnet
}): SubnetPlan {
  let subnet: Cidr;
  if (opts.subnet) {
    subnet = parseCidr(opts.subnet);
    if (subnet.prefix > 30) throw new UsageError(`subnet ${opts.subnet} is too small: at most /30`);
    const clash = opts.existing.find((e) => overlaps(e, subnet));
    if (clash) throw new UsageError(`invalid pool request: pool ${opts.subnet} overlaps with the existing network subnet ${formatCidr(clash)}`);
  } else {
    if (opts.gateway || opts.ipRange) throw new UsageError('--gateway and --ip-range need --subnet');
    subnet = pickSubnet([...opts.existing, ...opts.hostRoutes]);
  }
  let ipRange: Cidr | null = null;
  if (opts.ipRange) {
    ipRange = parseCidr(opts.ipRange);
    if (!containsCidr(subnet, ipRange)) throw new UsageError(`--ip-range ${opts.ipRange} is not inside subnet ${formatCidr(subnet)}`);
  }
  let gateway: number;
  if (opts.gateway) {
    gateway = parseIpv4(opts.gateway);
    if (!isUsableHost(subnet, gateway)) throw new UsageError(`gateway ${opts.gateway} is not a usable address of subnet ${formatCidr(subnet)}`);
  } else {
    gateway = subnet.base + 1;
  }
  return { subnet: formatCidr(subnet), gateway: formatIpv4(gateway), ipRange: ipRange ? formatCidr(ipRange) : null };
}

export function isUsableHost(subnet: Cidr, addr: number): boolean {
  return contains(subnet, addr) && addr !== subnet.base && addr !== lastAddress(subnet);
}

/**
 * The address for a new endpoint: `requested` if it is free and inside the subnet,
 * else the first free one in the --ip-range (or the subnet) after `last`, wrapping
 * around. Like libnetwork's serial allocation, this keeps a just-released address
 * (and the MAC derived from it) out of use while bridges and neighbours forget it.
 */
export function allocateAddress(opts: {
  subnet: string;
  gateway: string;
  ipRange: string | null;
  used: Iterable<string>;
  requested: string | null;
  last?: string | null;
}): string {
  const subnet = parseCidr(opts.subnet);
  const used = new Set<number>([...opts.used].map(parseIpv4));
  used.add(parseIpv4(opts.gateway));
  if (opts.requested) {
    const want = parseIpv4(opts.requested);
    if (!isUsableHost(subnet, want)) throw new UsageError(`address ${opts.requested} is not a usable address of subnet ${opts.subnet}`);
    if (used.has(want)) throw new UsageError(`address ${opts.requested} is already in use on this network`);
    return opts.requested;
  }
  const range = opts.ipRange ? parseCidr(opts.ipRange) : subnet;
  const count = size(range);
  const previous = opts.last ? parseIpv4(opts.last) : null;
  const start = previous !== null && contains(range, previous) ? previous + 1 - range.base : 0;
  for (let i = 0; i < count; i++) {
    const a = (range.base + ((start + i) % count)) >>> 0;
    if (isUsableHost(subnet, a) && !used.has(a)) return formatIpv4(a);
  }
  throw new UsageError(`no available IPv4 addresses on network subnet ${opts.subnet}`);
}

/** Docker's MAC for an IPv4 endpoint: 02:42 followed by the four address bytes. */
export function macForAddress(ip: string): string {
  const n = parseIpv4(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
