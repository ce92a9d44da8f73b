/**
 * The libpcap session runs in this child process. The `pcap` package keeps a
 * poll handle on the capture socket that it releases only when a packet
 * arrives after close (a worker thread cannot even end with it open); a
 * child that exits releases it at once, so a capture stopped on a quiet link
 * still lets tsdiag exit. Packets travel to the parent in batches (one
 * message per burst, not per packet), each record a 16-byte header (sec,
 * usec, caplen, len; little-endian) and its bytes.
 */
import { requirePcap } from './pcap-module.js';

interface Session {
  link_type: string;
  buf: Buffer;
  header: Buffer;
  on(event: 'packet', fn: () => void): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  close(): void;
}

const { device, filter, snaplen, bufferSize } = JSON.parse(process.argv[2]!) as { device: string; filter: string; snaplen: number; bufferSize: number };
const post = (msg: object, then?: () => void) => process.send!(msg, undefined, undefined, then);
// Ctrl-C reaches the whole process group: the parent decides when to stop
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));

const BATCH_BYTES = 1 << 20;
const STATS_EVERY_MS = 1000;
let batch = Buffer.allocUnsafe(BATCH_BYTES);
let used = 0;
let sendScheduled = false;

function send(): void {
  sendScheduled = false;
  if (used === 0) return;
  post({ type: 'packets', data: batch.subarray(0, used) });
  batch = Buffer.allocUnsafe(BATCH_BYTES);
  used = 0;
}

function open(): Session | null {
  try {
    const pcap = requirePcap<{ createSession(d: string, o: object): Session; warningHandler: (t: string) => void }>('live capture');
    // libpcap warns when an interface has no IPv4 address: tcpdump ignores that too
    pcap.warningHandler = () => undefined;
    return pcap.createSession(device, { filter, snap_length: snaplen, buffer_size: bufferSize, promiscuous: true, buffer_timeout: 100 });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message }, () => process.exit(0));
    return null;
  }
}

function capture(session: Session): void {
  const header = session.header;
  session.on('packet', () => {
    const caplen = header.readUInt32LE(8);
    if (used + 16 + caplen > batch.length) send();
    if (16 + caplen > batch.length) batch = Buffer.allocUnsafe(16 + caplen);
    header.copy(batch, used, 0, 16);
    session.buf.copy(batch, used + 16, 0, caplen);
    used += 16 + caplen;
    if (!sendScheduled) {
      sendScheduled = true;
      setImmediate(send);
    }
  });
  post({ type: 'open', linkType: session.link_type });
  // the kernel's counters while the capture runs, for live views (tcpdump prints them only at the end)
  const statsTimer = setInterval(() => {
    const s = session.stats();
    post({ type: 'stats', stats: { received: s.ps_recv, dropped: s.ps_drop, ifDropped: s.ps_ifdrop } });
  }, STATS_EVERY_MS);
  process.on('message', (msg: { type: string }) => {
    if (msg.type !== 'stop') return;
    clearInterval(statsTimer);
    send();
    const s = session.stats();
    post({ type: 'stopped', stats: { received: s.ps_recv, dropped: s.ps_drop, ifDropped: s.ps_ifdrop } }, () => process.exit(0));
  });
}

const session = open();
if (session) capture(session);
