/** tcpdump's names for Ethernet types (ethertype_values), the ones seen on container networks. */
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x8035, 'Reverse ARP'],
  [0x86dd, 'IPv6'],
  [0x8100, '802.1Q'],
  [0x88a8, '802.1Q-QinQ'],
  [0x9100, '802.1Q-9100'],
  [0x9200, '802.1Q-9200'],
  [0x8847, 'MPLS unicast'],
  [0x8848, 'MPLS multicast'],
  [0x8863, 'PPPoE D'],
  [0x8864, 'PPPoE S'],
  [0x888e, 'EAPOL'],
  [0x88cc, 'LLDP'],
  [0x88e5, '802.1AE MACsec'],
  [0x8809, 'Slow Protocols'],
  [0x88f7, 'PTP'],
  [0x9000, 'Loopback'],
  [0x6558, 'TEB'],
]);

export function ethertypeName(type: number): string {
  return ETHERTYPE_NAMES.get(type) ?? 'Unknown';
}

export function ethertypeText(type: number): string {
  return `ethertype ${ethertypeName(type)} (0x${type.toString(16).padStart(4, '0')})`;
}

/** ether_hdr_print's type: `ethertype IPv4 (0x0800)`, with -q `IPv4` (`Unknown Ethertype (0x88b5)`) */
export function ethertypeLabel(type: number, quiet: boolean | undefined): string {
  if (!quiet) return ethertypeText(type);
  return ETHERTYPE_NAMES.get(type) ?? `Unknown Ethertype (0x${type.toString(16).padStart(4, '0')})`;
}

export function isVlanTag(type: number): boolean {
  return type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x9200;
}
