import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import {
  contains6, formatCidr6, formatIpv6, isIpv6, lastAddress6, overlaps6, parseCidr6, parseIpv6, ULA_LOCAL, unusableSubnet6, type Cidr6,
} from '../ipv6.js';

/**
 * IPv6 IPAM as pure bookkeeping, after libnetwork's default allocator for
 * `--ipv6` networks: a /64 for each network from the host's ULA pool, the
 * gateway at ::1 and endpoints from ::2 on.
 */

/**
 * The host's default IPv6 pool, as moby derives it when no IPv6
 * default-address-pool is configured (daemon/daemon.go, deriveULABaseNetwork,
 * Docker 27+): the low 40 bits of the first 8 bytes (big endian) of
 * sha256(hostID) as the RFC 4193 Global ID after fd00::/8, giving one /48 per
 * host, split into /64s, one per network, handed out first free first. It is
 * not random per network: the same host gets the same /48 every time.
 */
export function ulaPool48(hostId: string): Cidr6 {
  const sha = createHash('sha256').update(hostId).digest();
  const gid = sha.readBigUInt64BE(0) & ((1n << 40n) - 1n);
  return { base: ULA_LOCAL.base + (gid << 80n), prefix: 48 };
}

/** `--ipv6-pool`: a base to split into /64s, as dockerd's default-address-pools; it must be a ULA (fd00::/8). */
export function parsePool6(text: string): Cidr6 {
  const pool = parseCidr6(text);
  if (pool.prefix < 8 || pool.prefix > 64 || !contains6(ULA_LOCAL, pool.base)) {
    throw new UsageError(`IPv6 pool ${text} is not a unique local prefix: give one inside fd00::/8 of size /8 to /64`);
  }
  return pool;
}

const SUBNET_SIZE = 64;

/** The first /64 of `pool` that overlaps none of `taken`. */
export function pickSubnet6(pool: Cidr6, taken: Cidr6[]): Cidr6 {
  const count = 1n << BigInt(Math.min(SUBNET_SIZE - pool.prefix, 20));
  for (let i = 0n; i < count; i++) {
    const candidate = { base: pool.base + (i << BigInt(128 - SUBNET_SIZE)), prefix: SUBNET_SIZE };
    if (!taken.some((t) => overlaps6(t, candidate))) return candidate;
  }
  throw new UsageError(`the IPv6 pool ${formatCidr6(pool)} has been fully subnetted`);
}

export interface Subnet6Plan {
  subnet6: string;
  gateway6: string;
}

/** Validates --subnet/--gateway of the IPv6 family the way `docker network create --ipv6` does. */
export function planSubnet6(opts: { subnet: string | null; gateway: string | null; pool: Cidr6; existing: Cidr6[] }): Subnet6Plan {
  let subnet: Cidr6;
  if (opts.subnet) {
    subnet = parseCidr6(opts.subnet);
    const why = unusableSubnet6(subnet);
    if (why) throw new UsageError(`IPv6 subnet ${opts.subnet} is in ${why}: give a unique local (fd00::/8) or global unicast prefix`);
    if (subnet.prefix > 126) throw new UsageError(`IPv6 subnet ${opts.subnet} is too small: at most /126`);
    const clash = opts.existing.find((e) => overlaps6(e, subnet));
    if (clash) throw new UsageError(`invalid pool request: pool ${opts.subnet} overlaps with the existing network subnet ${formatCidr6(clash)}`);
  } else {
    if (opts.gateway) throw new UsageError('an IPv6 --gateway needs an IPv6 --subnet');
    subnet = pickSubnet6(opts.pool, opts.existing);
  }
  let gateway: bigint;
  if (opts.gateway) {
    gateway = parseIpv6(opts.gateway);
    if (!isUsableHost6(subnet, gateway)) throw new UsageError(`gateway ${opts.gateway} is not a usable address of subnet ${formatCidr6(subnet)}`);
  } else {
    gateway = subnet.base + 1n;
  }
  return { subnet6: formatCidr6(subnet), gateway6: formatIpv6(gateway) };
}

/** Not the subnet-router anycast address (the network address); IPv6 has no broadcast, but the last one stays out as libnetwork keeps it. */
export function isUsableHost6(subnet: Cidr6, addr: bigint): boolean {
  return contains6(subnet, addr) && addr !== subnet.base && addr !== lastAddress6(subnet);
}

/**
 * The address for a new endpoint: `requested` if free and inside the subnet,
 * else the first free one after `last` (the one handed out before), wrapping
 * around: serial as IPv4's (ipam.ts), as libnetwork hands out both families
 * (defaultipam getAddress, addrset AddAny(serial)), so a just-freed address
 * and its neighbour entries are not reused at once.
 */
export function allocateAddress6(opts: { subnet6: string; gateway6: string; used: Iterable<string>; requested: string | null; last?: string | null }): string {
  const subnet = parseCidr6(opts.subnet6);
  const used = new Set<bigint>([...opts.used].map(parseIpv6));
  used.add(parseIpv6(opts.gateway6));
  if (opts.requested) {
    const want = parseIpv6(opts.requested);
    if (!isUsableHost6(subnet, want)) throw new UsageError(`address ${opts.requested} is not a usable address of subnet ${opts.subnet6}`);
    if (used.has(want)) throw new UsageError(`address ${opts.requested} is already in use on this network`);
    return formatIpv6(want);
  }
  const first = subnet.base + 1n;
  const end = lastAddress6(subnet); // kept out, as libnetwork keeps it
  const previous = opts.last && isIpv6(opts.last) ? parseIpv6(opts.last) : null;
  const start = previous !== null && previous >= first && previous < end ? previous + 1n : first;
  const span = end - first;
  // a /64 is never walked through: the search stops after 2^20 addresses taken in a row
  const tries = span < 1n << 20n ? span : 1n << 20n;
  for (let i = 0n; i < tries; i++) {
    const a = first + ((start - first + i) % span);
    if (!used.has(a)) return formatIpv6(a);
  }
  throw new UsageError(`no available IPv6 addresses on network subnet ${opts.subnet6}`);
}

/** The MAC of an endpoint without IPv4: 02:42 and the last four bytes of its IPv6 address, as Docker derives one from IPv4. */
export function macForAddress6(ip: string): string {
  const n = parseIpv6(ip);
  const bytes = [0x02, 0x42, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
