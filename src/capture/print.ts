import { ethernetPrint } from './decode/ethernet.js';
import { ipv4Print } from './decode/ipv4.js';
import { ipv6Print } from './decode/ipv6.js';
import { writeAscii, writeHex, writeHexAscii } from './decode/hex-dump.js';
import { linkHeaderLength } from './decode/link-header-length.js';
import { LineText } from './decode/line-text.js';
import { sll2Print, sllPrint } from './decode/linux-cooked.js';
import { systemInterfaceNames } from './interface-names.js';
import { Packet, TRUNCATED, TRUNCATED_DONE, type DecodeOptions } from './decode/packet.js';
import { TimestampFormatter, type TimestampStyle } from './timestamp.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

/** -x (hex), -X (hex and ASCII), -A (ASCII) after each line; doubled (-xx, -XX, -AA) with the link header */
export interface PacketDump {
  style: 'hex' | 'hexAscii' | 'ascii';
  linkHeader: boolean;
}

export interface PrintOptions extends DecodeOptions {
  timestamps: TimestampStyle;
  /** -#: the packet's number in front */
  packetNumbers?: boolean;
  dump?: PacketDump | null;
}

/**
 * Turns captured packets into the lines `tcpdump -n` prints for them. One
 * printer per capture or file: it carries the state tcpdump carries between
 * packets (relative TCP sequence numbers, the previous timestamp).
 */
export class LinePrinter {
  private readonly packet: Packet;
  private readonly time: TimestampFormatter;
  private readonly scratch = new LineText(1 << 12);
  private readonly dump: PacketDump | null;
  private readonly packetNumbers: boolean;
  private printed = 0;

  constructor(readonly linkType: number, opts: PrintOptions) {
    this.dump = opts.dump ?? null;
    this.packetNumbers = opts.packetNumbers === true;
    // as tcpdump's -x, -X and -q (not -A)
    const suppressDefaultPrint = opts.quiet === true || (this.dump !== null && this.dump.style !== 'ascii');
    this.packet = new Packet({ ...opts, suppressDefaultPrint, interfaceName: opts.interfaceName ?? systemInterfaceNames() });
    this.time = new TimestampFormatter(opts.timestamps);
  }

  /** one packet's text, without the final newline (VXLAN lines contain one inside) */
  line(buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number): string {
    this.scratch.pos = 0;
    this.print(this.scratch, buf, off, caplen, wireLen, sec, usec);
    return this.scratch.toString();
  }

  /** writes one packet's text, without the final newline, at the end of `out` (pcapng: each interface has its link type) */
  print(out: LineText, buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number, linkType = this.linkType): void {
    const p = this.packet;
    p.reset(buf, off, caplen, out);
    this.printed++;
    if (this.packetNumbers) writePacketNumber(out, this.printed);
    this.time.write(out, sec, usec);
    let cutShort = false;
    try {
      this.linkLayer(p, linkType, off, wireLen);
    } catch (err) {
      if (err === TRUNCATED) {
        cutShort = true;
        out.str(' [|');
        out.str(p.proto);
        out.ch(0x5d);
      } else if (err !== TRUNCATED_DONE) throw err;
    }
    if (this.dump) this.writeDump(this.dump, out, buf, off, caplen, linkType, cutShort);
  }

  private writeDump(dump: PacketDump, out: LineText, buf: Buffer, off: number, caplen: number, linkType: number, cutShort: boolean): void {
    let skip = dump.linkHeader ? 0 : linkHeaderLength(linkType, buf, off, caplen);
    if (caplen <= skip) return;
    // tcpdump 4.99 learns the link header's length only when its printers return: a packet cut short past
    // that header (their longjmp; the TCP options' own marker returns) is dumped from its first byte
    if (cutShort) skip = 0;
    if (dump.style === 'hex') writeHex(out, buf, off + skip, caplen - skip);
    else if (dump.style === 'hexAscii') writeHexAscii(out, buf, off + skip, caplen - skip);
    else writeAscii(out, buf, off + skip, caplen - skip);
  }

  private linkLayer(p: Packet, linkType: number, off: number, wireLen: number): void {
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        ethernetPrint(p, off, wireLen);
        return;
      case LINKTYPE_LINUX_SLL:
        sllPrint(p, off, wireLen);
        return;
      case LINKTYPE_LINUX_SLL2:
        sll2Print(p, off, wireLen);
        return;
      // tcpdump 4.99 reads the version nibble for the IPv4 and IPv6 link types too
      case LINKTYPE_IPV4:
      case LINKTYPE_IPV6:
      case LINKTYPE_RAW: {
        const version = p.u8(off) >> 4;
        if (version === 4) ipv4Print(p, off, wireLen);
        else if (version === 6) ipv6Print(p, off, wireLen);
        else p.out.str(`ip v${version}, length ${wireLen}`);
        return;
      }
      default:
        p.out.str(`link-type ${linkType}, length ${wireLen}`);
    }
  }
}

/** `%5u  ` */
function writePacketNumber(out: LineText, n: number): void {
  for (let width = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5; width < 5; width++) out.ch(0x20);
  out.dec(n);
  out.str('  ');
}
