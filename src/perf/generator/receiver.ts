import dgram from 'node:dgram';
import net from 'node:net';
import { TCP_SINK, type PerfCalls } from '../../netcore/kernel/native.js';
import { Jitter } from '../stats.js';
import { monoMs, sleep } from './clock.js';
import {
  MAGIC_ECHO, MAGIC_TCP, MAGIC_UDP, TCP_HEADER, UDP_HEADER,
  type ListenArgs, type ListenResult, type ListenUdpArgs, type ResultArgs, type SampleEvent, type SessionArgs, type SessionResult,
} from './protocol.js';

const SAMPLE_MS = 100;

class Session {
  bytes = 0;
  packets = 0;
  firstMs: number | null = null;
  lastMs: number | null = null;
  expected = 0;
  outOfOrder = 0;
  open = 0;
  readonly jitter = new Jitter();
  private intervalBytes = 0;
  private intervalPackets = 0;

  constructor(readonly id: number, readonly kind: 'tcp' | 'udp') {}

  add(bytes: number, packets: number): void {
    const now = monoMs();
    this.firstMs ??= now;
    this.lastMs = now;
    this.bytes += bytes;
    this.packets += packets;
    this.intervalBytes += bytes;
    this.intervalPackets += packets;
  }

  /** what a native sink counted since the last look, with the times of its first and last byte */
  addCounted(bytes: number, firstMs: number, lastMs: number): void {
    if (this.firstMs === null || firstMs < this.firstMs) this.firstMs = firstMs;
    if (this.lastMs === null || lastMs > this.lastMs) this.lastMs = lastMs;
    this.bytes += bytes;
    this.intervalBytes += bytes;
  }

  takeInterval(): SampleEvent | null {
    if (!this.intervalBytes) return null;
    const e: SampleEvent = { event: 'sample', session: this.id, atMs: monoMs(), bytes: this.intervalBytes, packets: this.intervalPackets };
    this.intervalBytes = 0;
    this.intervalPackets = 0;
    return e;
  }

  result(): SessionResult {
    const { bytes, packets, firstMs, lastMs, expected, outOfOrder } = this;
    return { bytes, packets, firstMs, lastMs, expected, outOfOrder, jitterMs: Math.round(this.jitter.ms * 1000) / 1000 };
  }
}

/** An accepted connection read by the addon's thread (tcp_stream.c), and how much of its count is booked. */
interface NativeSink {
  sock: net.Socket;
  stats: Float64Array;
  booked: number;
  session: Session | null;
}

/**
 * The receiving half, in TO's namespace: a TCP sink and a UDP sink and echo
 * on one port number, counting by session what the sender's streams bring.
 * With the addon, each TCP connection is read by a thread of its own (the
 * socket paused on connect: Node never reads it) and its count looked at
 * every tick; else Node reads it.
 */
export class Receiver {
  private readonly sessions = new Map<number, Session>();
  private readonly sinks = new Set<NativeSink>();
  private server: net.Server | null = null;
  private udp: dgram.Socket | null = null;
  /** more UDP ports, for a published UDP port whose container side is not the listening port */
  private readonly extraUdp: dgram.Socket[] = [];
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly emit: (e: SampleEvent) => void, private readonly native: PerfCalls | null = null) {}

  async listen(a: ListenArgs): Promise<ListenResult> {
    for (const port of [...a.prefer, 0, 0, 0]) {
      const tcp = await listenTcp(port, this.native !== null, (s) => this.onConnection(s)).catch(() => null);
      if (!tcp) continue;
      const bound = (tcp.address() as net.AddressInfo).port;
      const udp = await bindUdp(bound, (sock, m, r) => this.onDatagram(sock, m, r)).catch(() => null);
      if (!udp) {
        tcp.close();
        continue;
      }
      this.server = tcp;
      this.udp = udp;
      this.ticker = setInterval(() => this.tick(), SAMPLE_MS);
      this.ticker.unref();
      return { port: bound };
    }
    throw new Error('no port to listen on for both TCP and UDP');
  }

  /** A UDP sink and echo on one more port, counted by the same sessions. */
  async listenUdp(a: ListenUdpArgs): Promise<ListenResult> {
    const sock = await bindUdp(a.port, (so, m, r) => this.onDatagram(so, m, r));
    this.extraUdp.push(sock);
    return { port: a.port };
  }

  session(a: SessionArgs): Record<string, never> {
    this.sessions.set(a.session, new Session(a.session, a.kind));
    return {};
  }

  /** A session's figures once data came and then stopped (TCP: every stream closed) for idleMs, or at timeoutMs. */
  async result(a: ResultArgs): Promise<SessionResult> {
    const s = this.sessions.get(a.session);
    if (!s) throw new Error(`no session ${a.session}`);
    const deadline = monoMs() + a.timeoutMs;
    while (monoMs() < deadline) {
      this.lookAtSinks();
      const quiet = s.lastMs !== null && monoMs() - s.lastMs >= a.idleMs && s.open === 0;
      if (quiet) break;
      await sleep(20);
    }
    this.sessions.delete(a.session);
    const e = s.takeInterval();
    if (e) this.emit(e);
    return s.result();
  }

  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.server?.close();
    this.udp?.close();
    for (const u of this.extraUdp) u.close();
  }

  private tick(): void {
    this.lookAtSinks();
    for (const s of this.sessions.values()) {
      const e = s.takeInterval();
      if (e) this.emit(e);
    }
  }

  /** Books what each native sink counted to its session; closes those at EOF (a thread's own FIN is sent already). */
  private lookAtSinks(): void {
    for (const k of this.sinks) {
      const st = k.stats;
      if (!k.session && st[TCP_SINK.SESSION]! >= 0) {
        k.session = this.sessions.get(st[TCP_SINK.SESSION]!) ?? null;
        if (k.session) k.session.open++;
        else st[TCP_SINK.STOP] = 1; // a session not (or no longer) asked for
      }
      const state = st[TCP_SINK.STATE]!;
      const bytes = st[TCP_SINK.BYTES]!;
      if (k.session && bytes > k.booked) {
        k.session.addCounted(bytes - k.booked, st[TCP_SINK.FIRST_MS]!, st[TCP_SINK.LAST_MS]!);
        k.booked = bytes;
      }
      if (state >= TCP_SINK.EOF) {
        if (k.session) k.session.open--;
        k.sock.destroy();
        this.sinks.delete(k);
      }
    }
  }

  private onConnection(sock: net.Socket): void {
    sock.on('error', () => undefined);
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (this.native && typeof fd === 'number' && fd >= 0) {
      this.sinks.add({ sock, stats: this.native.tcpSink(fd, MAGIC_TCP), booked: 0, session: null });
      return;
    }
    if (this.native) sock.resume(); // paused on connect, but no descriptor to hand on: Node reads it
    let head: Buffer | null = Buffer.alloc(0);
    let session: Session | null = null;
    sock.on('data', (chunk: Buffer) => {
      if (session) return session.add(chunk.length, 0);
      head = Buffer.concat([head!, chunk]);
      if (head.length < TCP_HEADER) return;
      const s = head.readUInt32BE(0) === MAGIC_TCP ? this.sessions.get(head.readUInt32BE(4)) : undefined;
      if (!s) return void sock.destroy();
      session = s;
      s.open++;
      sock.once('close', () => s.open--);
      s.add(head.length - TCP_HEADER, 0);
      head = null;
    });
  }

  private onDatagram(sock: dgram.Socket, msg: Buffer, from: dgram.RemoteInfo): void {
    if (msg.length < 4) return;
    const magic = msg.readUInt32BE(0);
    if (magic === MAGIC_ECHO) return void sock.send(msg, from.port, from.address);
    if (magic !== MAGIC_UDP || msg.length < UDP_HEADER) return;
    const s = this.sessions.get(msg.readUInt32BE(4));
    if (!s) return;
    const seq = msg.readUInt32BE(8);
    if (seq + 1 < s.expected) s.outOfOrder++;
    s.expected = Math.max(s.expected, seq + 1);
    s.jitter.add(msg.readDoubleBE(12), monoMs());
    s.add(msg.length, 1);
  }
}

/**
 * Both families on one socket: `::` with IPV6_V6ONLY off takes IPv4 too (as
 * ::ffff:a.b.c.d); a namespace with IPv6 turned off refuses `::`, and then
 * IPv4's wildcard serves alone.
 */
const WILDCARDS = [{ host: '::', udp: 'udp6' }, { host: '0.0.0.0', udp: 'udp4' }] as const;

async function firstWildcard<T>(bind: (w: (typeof WILDCARDS)[number]) => Promise<T>): Promise<T> {
  try {
    return await bind(WILDCARDS[0]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw err;
    return bind(WILDCARDS[1]);
  }
}

function listenTcp(port: number, pauseOnConnect: boolean, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  return firstWildcard((w) => new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect }, onConnection);
    server.once('error', reject);
    server.listen({ port, host: w.host, ipv6Only: false, backlog: 512 }, () => resolve(server));
  }));
}

function bindUdp(port: number, onMessage: (sock: dgram.Socket, m: Buffer, r: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  return firstWildcard((w) => new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: w.udp, ipv6Only: false, recvBufferSize: 8 * 1024 * 1024 });
    const failed = (err: Error) => {
      sock.close();
      reject(err);
    };
    sock.once('error', failed);
    sock.on('message', (m, r) => onMessage(sock, m, r));
    sock.bind(port, w.host, () => {
      sock.removeListener('error', failed);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  }));
}
