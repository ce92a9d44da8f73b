/** -Q: which packets of a live capture to keep, by the kernel's packet type */
export type Direction = 'in' | 'out' | 'inout';

/** tcpdump's -Q words (any case) */
export function parseDirection(word: string): Direction | null {
  const d = word.toLowerCase();
  return d === 'in' || d === 'out' || d === 'inout' ? d : null;
}

/**
 * The `pcap` package has no pcap_setdirection. On a cooked link (`-i any`)
 * libpcap compiles `inbound`/`outbound` into a test of the header's packet
 * type (PACKET_OUTGOING or not), the very test pcap_setdirection makes, valid
 * in the kernel and in libpcap's own filtering alike. On other links it loads
 * the kernel's SKF_AD_PKTTYPE instead, which libpcap cannot evaluate itself:
 * the packets of the ring's first block, which it filters in userland after
 * pcap_setfilter, would all be dropped. So -Q is offered on `any` only.
 */
export const DIRECTION_INTERFACE = 'any';

export function filterWithDirection(filter: string, direction: Direction): string {
  if (direction === 'inout') return filter;
  const term = direction === 'in' ? 'inbound' : 'outbound';
  return filter.trim() ? `${term} and (${filter})` : term;
}
