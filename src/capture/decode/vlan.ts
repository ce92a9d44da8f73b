/** An 802.1Q tag control word as tcpdump prints it with -e: `vlan 100, p 0` (`, DEI` when set). */
export function vlanTagText(tci: number): string {
  return `vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}`;
}
