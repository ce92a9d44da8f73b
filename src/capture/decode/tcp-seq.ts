/**
 * tcpdump prints sequence numbers relative to the first ones it saw on a
 * connection (absent -S). This remembers them per connection, both directions
 * under one key, with tcpdump's rules: a segment with ACK starts tracking when
 * the connection is new or when it carries SYN. The key is the connection's
 * bytes (addresses and ports in one canonical order), looked up in a hash
 * table of its own, so a packet of a known connection allocates nothing.
 */
interface Connection {
  key: Buffer;
  seq: number;
  ack: number;
  next: Connection | null;
}

const FIRST_BUCKETS = 1024;

export class TcpSequences {
  private buckets: (Connection | null)[] = new Array(FIRST_BUCKETS).fill(null);
  private count = 0;
  private readonly key = Buffer.alloc(2 * 16 + 4);

  /**
   * `buf[a..]` and `buf[b..]` are the connection's addresses (`addrLen` bytes
   * each) and `portA`, `portB` its ports, in canonical order; writes
   * [seq, ack, base seq, base ack] into `out` (no allocation per packet).
   */
  relative(buf: Buffer, a: number, b: number, addrLen: number, portA: number, portB: number, rev: boolean, seq: number, ack: number, syn: boolean, out: number[]): void {
    const keyLen = this.fillKey(buf, a, b, addrLen, portA, portB);
    let c = this.find(keyLen);
    if (!c || syn) {
      c ??= this.add(keyLen);
      if (rev) {
        c.ack = seq;
        c.seq = (ack - 1) >>> 0;
      } else {
        c.seq = seq;
        c.ack = (ack - 1) >>> 0;
      }
    } else if (rev) {
      seq = (seq - c.ack) >>> 0;
      ack = (ack - c.seq) >>> 0;
    } else {
      seq = (seq - c.seq) >>> 0;
      ack = (ack - c.ack) >>> 0;
    }
    out[0] = seq;
    out[1] = ack;
    out[2] = c.seq;
    out[3] = c.ack;
  }

  private fillKey(buf: Buffer, a: number, b: number, addrLen: number, portA: number, portB: number): number {
    const k = this.key;
    for (let i = 0; i < addrLen; i++) {
      k[i] = buf[a + i]!;
      k[addrLen + i] = buf[b + i]!;
    }
    const o = 2 * addrLen;
    k[o] = portA >> 8;
    k[o + 1] = portA & 0xff;
    k[o + 2] = portB >> 8;
    k[o + 3] = portB & 0xff;
    return o + 4;
  }

  private find(keyLen: number): Connection | null {
    for (let c = this.buckets[this.hash(keyLen) & (this.buckets.length - 1)] ?? null; c; c = c.next) {
      if (c.key.length === keyLen && this.keyEquals(c.key, keyLen)) return c;
    }
    return null;
  }

  private keyEquals(other: Buffer, keyLen: number): boolean {
    for (let i = 0; i < keyLen; i++) if (other[i] !== this.key[i]) return false;
    return true;
  }

  private add(keyLen: number): Connection {
    if (this.count >= this.buckets.length) this.rehash();
    const i = this.hash(keyLen) & (this.buckets.length - 1);
    const c: Connection = { key: Buffer.from(this.key.subarray(0, keyLen)), seq: 0, ack: 0, next: this.buckets[i] ?? null };
    this.buckets[i] = c;
    this.count++;
    return c;
  }

  /** FNV-1a over the key bytes */
  private hash(keyLen: number, key: Buffer = this.key): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < keyLen; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
    return h >>> 0;
  }

  private rehash(): void {
    const old = this.buckets;
    this.buckets = new Array(old.length * 2).fill(null);
    const mask = this.buckets.length - 1;
    for (let c of old) {
      while (c) {
        const next = c.next;
        const i = this.hash(c.key.length, c.key) & mask;
        c.next = this.buckets[i] ?? null;
        this.buckets[i] = c;
        c = next;
      }
    }
  }
}
