import { OperationError } from '../../netcore/errors.js';
import { LiveCapture, type CaptureStats } from './live.js';
import type { CaptureInterface } from './live-run.js';
import { PcapWriter } from '../file/pcap-file.js';
import { LinePrinter } from '../print.js';

/** One packet as a live view keeps it: the tcpdump line and the bytes (to write a pcap file later). */
export interface CapturedPacket {
  line: string;
  /** which of the capture's interfaces it came from */
  ifIndex: number;
  data: Buffer;
  wireLen: number;
  sec: number;
  usec: number;
}

export interface LineCaptureOptions {
  interfaces: CaptureInterface[];
  filter: string;
  /** address -> container name, printed as `addr(name)` (capture --names) */
  names: ReadonlyMap<string, string> | null;
  onPacket: (p: CapturedPacket) => void;
  /** the kernel's counters summed over the interfaces, about once a second while running */
  onStats?: (s: CaptureStats) => void;
}

export interface LineCapture {
  readonly linkTypes: number[];
  /** ends every session: the packets already read are delivered first, then tcpdump's counters summed */
  stop(): Promise<CaptureStats>;
}

/**
 * A live capture for an interactive view: the same libpcap sessions and
 * printer as `tsdiag capture`, each packet handed over as its line and bytes.
 * A device or filter libpcap refuses rejects with a UsageError carrying
 * libpcap's message; sessions already opened are stopped.
 */
export async function startLineCapture(opts: LineCaptureOptions): Promise<LineCapture> {
  const sessions: LiveCapture[] = [];
  const latest: CaptureStats[] = [];
  let stopped = false;
  try {
    for (const [ifIndex, iface] of opts.interfaces.entries()) {
      let printer: LinePrinter | null = null;
      const session = await LiveCapture.open(iface.device, {
        filter: opts.filter,
        onPacket: (buf, caplen, wireLen, sec, usec) => {
          if (stopped || !printer) return;
          const line = printer.line(buf, 0, caplen, wireLen, sec, usec);
          opts.onPacket({ line, ifIndex, data: Buffer.from(buf.subarray(0, caplen)), wireLen, sec, usec });
        },
        onStats: (s) => {
          latest[ifIndex] = s;
          if (!stopped) opts.onStats?.(sumStats(latest.filter(Boolean)));
        },
      });
      printer = new LinePrinter(session.linkType, { timestamps: 'time', linkHeader: false, names: opts.names });
      sessions.push(session);
    }
  } catch (err) {
    await Promise.all(sessions.map((s) => s.stop()));
    throw err;
  }
  return {
    linkTypes: sessions.map((s) => s.linkType),
    async stop() {
      const all = await Promise.all(sessions.map((s) => s.stop()));
      stopped = true;
      return sumStats(all);
    },
  };
}

function sumStats(all: CaptureStats[]): CaptureStats {
  return all.reduce((t, s) => ({ received: t.received + s.received, dropped: t.dropped + s.dropped, ifDropped: t.ifDropped + s.ifDropped }), { received: 0, dropped: 0, ifDropped: 0 });
}

/** Writes kept packets to a classic pcap file (one link type); returns how many were written. */
export function writeCapturedPackets(file: string, linkTypes: number[], packets: readonly CapturedPacket[]): number {
  if (new Set(linkTypes).size > 1) throw new OperationError('the interfaces have different link types: a pcap file holds one');
  const writer = new PcapWriter(file, linkTypes[0] ?? 1);
  try {
    for (const p of packets) writer.write(p.data, 0, p.data.length, p.wireLen, p.sec, p.usec);
  } finally {
    writer.close();
  }
  return packets.length;
}
