import { isVlanTag } from './ethertype.js';

/**
 * The link-layer header length tcpdump's printers return (what -x, -X and
 * -A leave out): Ethernet 14, Linux cooked 16 or 20, each 802.1Q tag 4 more;
 * never more than was captured (a cut header leaves nothing to dump).
 */
export function linkHeaderLength(linkType: number, buf: Buffer, off: number, caplen: number): number {
  switch (linkType) {
    case 1:
      return taggedLength(buf, off, caplen, 14, 12, isVlanTag);
    case 113:
      return taggedLength(buf, off, caplen, 16, 14, isCookedVlan);
    case 276:
      return taggedLength(buf, off, caplen, 20, 0, isCookedVlan);
    default:
      return 0;
  }
}

const isCookedVlan = (type: number) => type === 0x8100;

function taggedLength(buf: Buffer, off: number, caplen: number, header: number, typeAt: number, isTag: (type: number) => boolean): number {
  if (caplen < header) return caplen;
  let type = buf.readUInt16BE(off + typeAt);
  let len = header;
  while (isTag(type)) {
    if (caplen - len < 4) return caplen;
    type = buf.readUInt16BE(off + len + 2);
    len += 4;
  }
  return len;
}
