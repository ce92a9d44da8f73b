import { FileSink } from './file-sink.js';
import { DEFAULT_SNAPLEN } from './pcap-file.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const EPB = 6;
const OPT_IF_NAME = 2;
const OPT_SHB_USERAPPL = 4;

export interface PcapngInterface {
  /** shown by Wireshark and tshark, e.g. `web:eth0` */
  name: string;
  linkType: number;
  snaplen?: number;
}

const pad4 = (n: number) => (n + 3) & ~3;

/**
 * Writes pcapng (little-endian): one section, one interface description
 * block per captured interface carrying its name, then enhanced packet blocks
 * with microsecond timestamps (the format's default resolution).
 */
export class PcapngWriter {
  private readonly sink: FileSink;
  records = 0;

  constructor(path: string, interfaces: PcapngInterface[]) {
    this.sink = new FileSink(path);
    this.sectionHeader();
    for (const i of interfaces) this.interfaceDescription(i);
    // on disk at once: a file cut back after a write error still has its header blocks
    this.sink.flush();
  }

  write(ifIndex: number, data: Buffer, off: number, caplen: number, wireLen: number, sec: number, usec: number): void {
    const total = 28 + pad4(caplen) + 4;
    const b = this.sink.reserve(total);
    const o = this.sink.offset;
    const ts = sec * 1_000_000 + usec;
    b.writeUInt32LE(EPB, o);
    b.writeUInt32LE(total, o + 4);
    b.writeUInt32LE(ifIndex, o + 8);
    b.writeUInt32LE(Math.floor(ts / 2 ** 32), o + 12);
    b.writeUInt32LE(ts % 2 ** 32, o + 16);
    b.writeUInt32LE(caplen, o + 20);
    b.writeUInt32LE(wireLen, o + 24);
    data.copy(b, o + 28, off, off + caplen);
    b.fill(0, o + 28 + caplen, o + 28 + pad4(caplen));
    b.writeUInt32LE(total, o + total - 4);
    this.sink.commit(total);
    this.records++;
  }

  /** bytes written so far, buffered ones included */
  get bytes(): number {
    return this.sink.size;
  }

  flush(): void {
    this.sink.flush();
  }

  close(): void {
    this.sink.close();
  }

  private sectionHeader(): void {
    const options = [option(OPT_SHB_USERAPPL, Buffer.from('tsdiag capture')), endOfOptions()];
    const body = Buffer.alloc(16);
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(1, 4);
    body.writeUInt16LE(0, 6);
    body.writeBigInt64LE(-1n, 8);
    this.block(SHB, Buffer.concat([body, ...options]));
  }

  private interfaceDescription(i: PcapngInterface): void {
    const body = Buffer.alloc(8);
    body.writeUInt16LE(i.linkType, 0);
    body.writeUInt32LE(i.snaplen ?? DEFAULT_SNAPLEN, 4);
    this.block(IDB, Buffer.concat([body, option(OPT_IF_NAME, Buffer.from(i.name)), endOfOptions()]));
  }

  private block(type: number, body: Buffer): void {
    const total = 12 + body.length;
    const b = this.sink.reserve(total);
    const o = this.sink.offset;
    b.writeUInt32LE(type, o);
    b.writeUInt32LE(total, o + 4);
    body.copy(b, o + 8);
    b.writeUInt32LE(total, o + 8 + body.length);
    this.sink.commit(total);
  }
}

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

/** opt_endofopt: code 0, length 0 */
function endOfOptions(): Buffer {
  return Buffer.alloc(4);
}
