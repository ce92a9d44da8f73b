import { ethernetPrint } from './decode/ethernet.js';
import { ipv4Print } from './decode/ipv4.js';
import { ipv6Print } from './decode/ipv6.js';
import { LineText } from './decode/line-text.js';
import { sll2Print, sllPrint } from './decode/linux-cooked.js';
import { systemInterfaceNames } from './interface-names.js';
import { Packet, TRUNCATED, TRUNCATED_DONE, type DecodeOptions } from './decode/packet.js';
import { TimestampFormatter, type TimestampStyle } from './timestamp.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface PrintOptions extends DecodeOptions {
  timestamps: TimestampStyle;
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

  constructor(readonly linkType: number, opts: PrintOptions) {
    this.packet = new Packet({ ...opts, interfaceName: opts.interfaceName ?? systemInterfaceNames() });
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
    this.time.write(out, sec, usec);
    try {
      this.linkLayer(p, linkType, off, wireLen);
    } catch (err) {
      if (err === TRUNCATED) {
        out.str(' [|');
        out.str(p.proto);
        out.ch(0x5d);
      } else if (err !== TRUNCATED_DONE) throw err;
    }
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
