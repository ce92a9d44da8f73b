import { Packet } from 'dns2';
import { QTYPE, rcodeName, typeName, type AnswerRecord } from './wire.js';
import { formatIpv6Words } from './ipv6-text.js';

/**
 * The query log: one line per query, fields separated by single spaces so
 * that `grep` and `awk` can read it:
 *
 *   2025-01-02T03:04:05.678Z udp 172.18.0.3 web.app A NOERROR 172.18.0.2,172.18.0.4 41us
 *
 * time, transport, client, name ("." for the root), type, rcode, answers
 * ("-" for none, "forwarded:<n>" summaries for upstream replies), microseconds.
 */
export interface QueryLogEntry {
  time: Date;
  transport: 'udp' | 'tcp';
  client: string;
  name: string;
  type: number;
  rcode: number;
  answers: string[];
  micros: number;
}

export function formatQueryLog(e: QueryLogEntry): string {
  const answers = e.answers.length ? e.answers.join(',') : '-';
  return `${e.time.toISOString()} ${e.transport} ${e.client} ${e.name || '.'} ${typeName(e.type)} ${rcodeName(e.rcode)} ${answers} ${e.micros}us`;
}

/** The answers of a locally answered query, as log text. */
export function describeRecords(records: readonly AnswerRecord[]): string[] {
  return records.map((r) => {
    switch (r.type) {
      case QTYPE.A:
        return [...r.data].join('.');
      case QTYPE.AAAA:
        return formatIpv6Words(r.data.readUInt32BE(0), r.data.readUInt32BE(4), r.data.readUInt32BE(8), r.data.readUInt32BE(12));
      case QTYPE.PTR:
        return `${r.data}.`;
      case QTYPE.SRV:
        return `${r.data.target}.:${r.data.port}`;
    }
  });
}

/** The answers of an upstream's reply, decoded with dns2 (off the hot path: only when logging). */
export function describeForwardedReply(message: Buffer): string[] {
  try {
    const packet = Packet.parse(message);
    return packet.answers.map((a) => {
      const rec = a as unknown as Record<string, unknown>;
      const value = rec.address ?? rec.domain ?? rec.data ?? rec.exchange ?? rec.target ?? '?';
      return `${typeName(a.type)}:${String(value)}`;
    });
  } catch {
    return ['(undecodable)'];
  }
}

/**
 * Writes log lines to a stream in batches (one write per event-loop turn), so
 * that logging does not cost one syscall per query.
 */
export function streamLogger(out: NodeJS.WritableStream): (e: QueryLogEntry) => void {
  let pending: string[] = [];
  return (e) => {
    if (pending.length === 0) {
      setImmediate(() => {
        const lines = pending;
        pending = [];
        out.write(lines.join(''));
      });
    }
    pending.push(formatQueryLog(e) + '\n');
  };
}
