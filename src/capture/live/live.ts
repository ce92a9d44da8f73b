import { fork, type ChildProcess } from 'node:child_process';
import { UsageError } from '../../netcore/errors.js';
import { DEFAULT_SNAPLEN } from '../file/pcap-file.js';
import { requirePcap } from './pcap-module.js';

interface PcapBinding {
  createSession(iface: string, opts: Record<string, unknown>): PcapSessionHandle;
  createOfflineSession(path: string, opts: Record<string, unknown>): PcapSessionHandle;
  warningHandler: (text: string) => void;
}

interface PcapSessionHandle {
  link_type: string;
  buf: Buffer;
  header: Buffer;
  on(event: 'packet', fn: () => void): void;
  on(event: 'complete', fn: () => void): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  close(): void;
}

/** the `pcap` package's link type names, back to numbers (an unknown one arrives as "Unknown linktype N") */
const LINK_TYPES: Record<string, number> = {
  LINKTYPE_NULL: 0,
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_IEEE802_11_RADIO: 127,
  LINKTYPE_RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
};

function linkTypeNumber(name: string): number {
  return LINK_TYPES[name] ?? Number(/(\d+)$/.exec(name)?.[1] ?? -1);
}

let pcapModule: PcapBinding | null = null;
function pcap(what: string): PcapBinding {
  if (!pcapModule) {
    pcapModule = requirePcap<PcapBinding>(what);
    // libpcap warns when an interface has no IPv4 address: tcpdump ignores that too
    pcapModule.warningHandler = () => undefined;
  }
  return pcapModule;
}

export type PacketHandler = (buf: Buffer, caplen: number, wireLen: number, sec: number, usec: number) => void;

export interface CaptureStats {
  /** tcpdump's "received by filter" */
  received: number;
  /** tcpdump's "dropped by kernel" */
  dropped: number;
  ifDropped: number;
}

/**
 * A live libpcap session on one device, run in a child process (see
 * live-worker.ts), packets handed to `onPacket` in arrival order. Open errors
 * (no such device, no permission, a bad filter) come back as UsageError with
 * libpcap's message.
 */
export class LiveCapture {
  private stopped: Promise<CaptureStats> | null = null;

  private constructor(private readonly worker: ChildProcess, readonly linkType: number) {}

  static open(iface: string, opts: { filter: string; snaplen?: number; bufferSize?: number; onPacket: PacketHandler; onStats?: (s: CaptureStats) => void }): Promise<LiveCapture> {
    const config = { device: iface, filter: opts.filter, snaplen: opts.snaplen ?? DEFAULT_SNAPLEN, bufferSize: opts.bufferSize ?? 32 << 20 };
    const worker = fork(new URL('./live-worker.js', import.meta.url), [JSON.stringify(config)], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      worker.once('error', (err) => reject(new UsageError(`${iface}: ${err.message}`)));
      worker.once('exit', (code) => reject(new UsageError(`${iface}: the capture process ended (exit code ${code})`)));
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'packets') deliver(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength), opts.onPacket);
        else if (msg.type === 'stats') opts.onStats?.(msg.stats);
        else if (msg.type === 'open') resolve(new LiveCapture(worker, linkTypeNumber(msg.linkType)));
        else if (msg.type === 'error') reject(new UsageError(`${iface}: ${msg.message}`));
      });
    });
  }

  /** libpcap reads a saved file and applies a BPF filter (the -r FILE FILTER path) */
  static replayFiltered(path: string, filter: string, handlerFor: (linkType: number) => PacketHandler): Promise<number> {
    const binding = pcap('a filter on -r FILE');
    let session: PcapSessionHandle;
    try {
      session = binding.createOfflineSession(path, { filter });
    } catch (err) {
      throw new UsageError(`${path}: ${(err as Error).message}`);
    }
    // the package sizes its buffer to 65535: room for any record of a 262144 snap length
    session.buf = Buffer.alloc(DEFAULT_SNAPLEN);
    const header = session.header;
    const onPacket = handlerFor(linkTypeNumber(session.link_type));
    let n = 0;
    return new Promise((resolve) => {
      session.on('packet', () => {
        n++;
        onPacket(session.buf, header.readUInt32LE(8), header.readUInt32LE(12), header.readUInt32LE(0), header.readUInt32LE(4));
      });
      session.on('complete', () => {
        session.close();
        resolve(n);
      });
    });
  }

  /** ends the capture: the packets already read are delivered first, then tcpdump's counters */
  stop(): Promise<CaptureStats> {
    this.stopped ??= new Promise((resolve) => {
      this.worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'stopped') resolve(msg.stats);
      });
      const gone = () => resolve({ received: 0, dropped: 0, ifDropped: 0 });
      if (this.worker.exitCode !== null || this.worker.signalCode !== null || !this.worker.connected) return gone();
      this.worker.once('exit', gone);
      this.worker.send({ type: 'stop' });
    });
    return this.stopped;
  }
}

type WorkerMessage =
  | { type: 'open'; linkType: string }
  | { type: 'error'; message: string }
  | { type: 'packets'; data: Uint8Array }
  | { type: 'stats'; stats: CaptureStats }
  | { type: 'stopped'; stats: CaptureStats };

function deliver(batch: Buffer, onPacket: PacketHandler): void {
  for (let o = 0; o + 16 <= batch.length; ) {
    const caplen = batch.readUInt32LE(o + 8);
    onPacket(batch.subarray(o + 16, o + 16 + caplen), caplen, batch.readUInt32LE(o + 12), batch.readUInt32LE(o), batch.readUInt32LE(o + 4));
    o += 16 + caplen;
  }
}
