import type { HostState, NetworkRecord } from './types.js';

/**
 * Which address families a network or endpoint has. Older state files have no
 * IPv6 fields (IPv4 only); an IPv6-only network has subnet and gateway null,
 * and its endpoints an empty `ipv4` with prefixLen 0.
 */
export function hasIpv4(net: NetworkRecord): boolean {
  return net.enableIPv4 !== false && !!net.subnet;
}

export function hasIpv6(net: NetworkRecord): boolean {
  return !!net.subnet6 && !!net.gateway6;
}

export function anyIpv6Network(state: HostState): boolean {
  return Object.values(state.networks).some((n) => n.driver === 'bridge' && hasIpv6(n));
}
