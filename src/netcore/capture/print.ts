import { ethernetPrint } from './decode/ethernet.js';
import { ipv4Print } from './decode/ipv4.js';
import { ipv6Print } from './decode/ipv6.js';
import { Packet, TRUNCATED, TRUNCATED_DONE, type DecodeOptions } from './decode/packet.js';
import { TimestampFormatter, type TimestampStyle } from './timestamp.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

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

  constructor(readonly linkType: number, opts: PrintOptions) {
    this.packet = new Packet(opts);
    this.time = new TimestampFormatter(opts.timestamps);
  }

  /** one packet's text, without the final newline (VXLAN lines contain one inside) */
  line(buf: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number): string {
    const p = this.packet;
    p.reset(buf, off, caplen);
    const prefix = this.time.format(sec, usec);
    try {
      this.linkLayer(p, off, wireLen);
    } catch (err) {
      if (err === TRUNCATED) p.out += ` [|${p.proto}]`;
      else if (err !== TRUNCATED_DONE) throw err;
    }
    return prefix + p.out;
  }

  private linkLayer(p: Packet, off: number, wireLen: number): void {
    switch (this.linkType) {
      case LINKTYPE_ETHERNET:
        ethernetPrint(p, off, wireLen);
        return;
      case LINKTYPE_RAW: {
        const version = p.u8(off) >> 4;
        if (version === 4) ipv4Print(p, off, wireLen);
        else if (version === 6) ipv6Print(p, off, wireLen);
        else p.out += `ip v${version}, length ${wireLen}`;
        return;
      }
      default:
        p.out += `link-type ${this.linkType}, length ${wireLen}`;
    }
  }
}
