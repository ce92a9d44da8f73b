/** The names tcpdump prints for link types ("link-type EN10MB (Ethernet)"). */
const NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)',
  1: 'EN10MB (Ethernet)',
  101: 'RAW (Raw IP)',
  113: 'LINUX_SLL (Linux cooked v1)',
  228: 'IPV4 (Raw IPv4)',
  229: 'IPV6 (Raw IPv6)',
  276: 'LINUX_SLL2 (Linux cooked v2)',
};

export function linkTypeText(linkType: number): string {
  return NAMES[linkType] ?? `${linkType}`;
}
