/**
 * tcpdump prints sequence numbers relative to the first ones it saw on a
 * connection (absent -S). This remembers them per connection, both directions
 * under one key, with tcpdump's rules: a segment with ACK starts tracking when
 * the connection is new or when it carries SYN.
 */
export class TcpSequences {
  private readonly conns = new Map<string, { seq: number; ack: number }>();

  /** writes [seq, ack, base seq, base ack] into `out` (no allocation per packet) */
  relative(key: string, rev: boolean, seq: number, ack: number, syn: boolean, out: number[]): void {
    let c = this.conns.get(key);
    if (!c || syn) {
      if (!c) {
        c = { seq: 0, ack: 0 };
        this.conns.set(key, c);
      }
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
}
