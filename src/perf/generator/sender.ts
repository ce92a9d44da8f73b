import dgram from 'node:dgram';
import net, { isIPv6 } from 'node:net';
import { monoMs, sleep } from './clock.js';
import {
  MAGIC_ECHO, MAGIC_TCP, MAGIC_UDP, UDP_HEADER,
  type RttArgs, type RttResult, type TcpSendArgs, type TcpSendResult, type UdpSendArgs, type UdpSendResult,
} from './protocol.js';

const udpType = (address: string) => (isIPv6(address) ? 'udp6' : 'udp4');

/** What one write hands the kernel: big enough that the event loop is not the limit. */
const CHUNK = Buffer.alloc(256 * 1024, 0x61);

/** `streams` TCP connections that write as fast as the path takes for `seconds`, then close gracefully. */
export async function tcpSend(a: TcpSendArgs): Promise<TcpSendResult> {
  const errors: string[] = [];
  let bytesWritten = 0;
  const deadline = monoMs() + a.seconds * 1000;
  const one = () => new Promise<void>((resolve) => {
    const sock = net.connect({ host: a.to, port: a.port, noDelay: false });
    const header = Buffer.alloc(8);
    header.writeUInt32BE(MAGIC_TCP, 0);
    header.writeUInt32BE(a.session, 4);
    sock.on('error', (err) => {
      errors.push(err.message);
      resolve();
    });
    sock.on('close', () => resolve());
    sock.on('connect', () => {
      sock.write(header);
      const pump = () => {
        while (monoMs() < deadline) {
          bytesWritten += CHUNK.length;
          if (!sock.write(CHUNK)) return void sock.once('drain', pump);
        }
        sock.end();
      };
      pump();
    });
    // a path that blackholes must not hold the run past its time
    setTimeout(() => sock.destroy(), a.seconds * 1000 + 10_000).unref();
  });
  await Promise.all(Array.from({ length: a.streams }, one));
  return { streams: a.streams, bytesWritten, errors: [...new Set(errors)] };
}

/** Datagrams of `size` bytes at `rateBps` for `seconds`, paced every millisecond, numbered for the receiver's loss count. */
export async function udpSend(a: UdpSendArgs): Promise<UdpSendResult> {
  const sock = dgram.createSocket({ type: udpType(a.to), sendBufferSize: 4 * 1024 * 1024 });
  sock.on('error', () => undefined);
  const size = Math.max(UDP_HEADER, a.size);
  const perMs = a.rateBps / 8 / size / 1000;
  const total = Math.floor(perMs * a.seconds * 1000);
  const t0 = monoMs();
  let sent = 0;
  await new Promise<void>((resolve) => sock.connect(a.port, a.to, () => resolve()));
  while (sent < total) {
    const due = Math.min(total, Math.floor((monoMs() - t0) * perMs) + 1);
    while (sent < due) {
      const buf = Buffer.alloc(size);
      buf.writeUInt32BE(MAGIC_UDP, 0);
      buf.writeUInt32BE(a.session, 4);
      buf.writeUInt32BE(sent, 8);
      buf.writeDoubleBE(monoMs(), 12);
      sock.send(buf);
      sent++;
    }
    await sleep(1);
  }
  await sleep(50);
  sock.close();
  return { sent };
}

/** The time a TCP handshake takes, `count` times: SYN out, SYN-ACK back (one round trip), then a graceful close. */
export async function tcpConnectRtt(a: RttArgs): Promise<RttResult> {
  return probeLoop(a, () => new Promise<number>((resolve, reject) => {
    const t0 = monoMs();
    const sock = net.connect({ host: a.to, port: a.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${a.to}:${a.port} in ${a.timeoutMs} ms`));
    }, a.timeoutMs);
    sock.once('connect', () => {
      const ms = monoMs() - t0;
      clearTimeout(timer);
      // a graceful close: a reset would be an error some services do not handle (a naive Node server dies of it)
      sock.on('error', () => undefined);
      sock.end();
      sock.resume();
      resolve(ms);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }));
}

/** A datagram to the receiver's echo and back, `count` times over one socket. */
export async function udpEchoRtt(a: RttArgs): Promise<RttResult> {
  const sock = dgram.createSocket(udpType(a.to));
  sock.on('error', () => undefined);
  await new Promise<void>((resolve) => sock.connect(a.port, a.to, () => resolve()));
  let waiting: { seq: number; done: (ms: number) => void } | null = null;
  sock.on('message', (msg) => {
    if (msg.length >= 8 && waiting && msg.readUInt32BE(4) === waiting.seq) waiting.done(monoMs());
  });
  let seq = 0;
  try {
    return await probeLoop(a, () => new Promise<number>((resolve, reject) => {
      const buf = Buffer.alloc(64);
      buf.writeUInt32BE(MAGIC_ECHO, 0);
      buf.writeUInt32BE(++seq, 4);
      const t0 = monoMs();
      const timer = setTimeout(() => reject(new Error(`no echo from ${a.to}:${a.port} in ${a.timeoutMs} ms`)), a.timeoutMs);
      waiting = { seq, done: (t) => { clearTimeout(timer); resolve(t - t0); } };
      sock.send(buf);
    }));
  } finally {
    sock.close();
  }
}

/** Probes not counted: the first ones pay for compiling the probe's code and the first ARP lookup. */
const WARM_UP = 3;

async function probeLoop(a: RttArgs, probe: () => Promise<number>): Promise<RttResult> {
  const samples: number[] = [];
  const errors = new Set<string>();
  for (let i = 0; i < WARM_UP; i++) await probe().catch(() => undefined);
  for (let i = 0; i < a.count; i++) {
    try {
      samples.push(await probe());
    } catch (err) {
      errors.add((err as Error).message);
    }
    if (i + 1 < a.count) await sleep(a.intervalMs);
  }
  return { samples, errors: [...errors] };
}
