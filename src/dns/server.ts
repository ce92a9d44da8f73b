import net from 'node:net';
import { Forwarder } from './forward.js';
import { handleQuery, type QueryContext } from './handler.js';
import { canonicalAddress } from './ipv6-text.js';
import { NamespaceDialers } from './netns-dialer.js';
import type { QueryLogEntry } from './log.js';
import { RecordTable } from './records.js';
import { listenUdp, type UdpListener } from './udp-batch.js';
import { ForwardRoutes } from './routes.js';
import type { Upstream } from './upstreams.js';
import type { HostState } from '../netcore/bridge/state/types.js';

/**
 * The sockets: UDP and TCP on each listen address. Addresses come and go with
 * the networks (`setListen`); one that cannot be bound yet (the bridge has not
 * got its gateway address) stays pending and is retried on the next change and
 * every `retryMs`.
 */
export interface ListenAddress {
  address: string;
  port: number;
}

export interface DnsServerOptions {
  listen?: ListenAddress[];
  upstreams?: Upstream[];
  state?: HostState;
  log?: (e: QueryLogEntry) => void;
  /** per-upstream timeout; 4 s as in Docker (lower it only in tests) */
  forwardTimeoutMs?: number;
  maxInFlight?: number;
  /** a TCP connection idle this long is closed */
  tcpIdleTimeoutMs?: number;
  maxTcpConnections?: number;
  retryMs?: number;
  /** told about bind failures and socket errors (default: silent) */
  onError?: (message: string) => void;
}

export interface DnsServer {
  setState(state: HostState): void;
  setUpstreams(upstreams: Upstream[]): void;
  /** binds new addresses and closes dropped ones; resolves when every bind has been tried */
  setListen(listen: ListenAddress[]): Promise<void>;
  /** the addresses bound now */
  bound(): ListenAddress[];
  /** the addresses that could not be bound yet */
  pending(): ListenAddress[];
  /** messages received so far */
  stats(): { udpMessages: number; tcpMessages: number };
  close(): Promise<void>;
}

export const TCP_IDLE_TIMEOUT_MS = 10_000;
const MAX_TCP_WRITE_BACKLOG = 1 << 20;

interface Listener {
  udp: UdpListener | null;
  tcp: net.Server;
}

const keyOf = (l: ListenAddress) => `${l.address}|${l.port}`;

/** A TCP peer as the record table knows it: IPv4-mapped addresses unwrapped, IPv6 in its one spelling. */
function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : canonicalAddress(address);
}

export async function startDnsServer(opts: DnsServerOptions = {}): Promise<DnsServer> {
  const dialers = new NamespaceDialers();
  const forwarder = new Forwarder({ timeoutMs: opts.forwardTimeoutMs, maxInFlight: opts.maxInFlight, dialerFor: (ns) => dialers.get(ns) });
  let state = opts.state ?? null;
  let upstreams = opts.upstreams ?? [];
  const ctx: QueryContext = {
    table: state ? RecordTable.fromState(state) : RecordTable.empty(),
    forwarder,
    routes: new ForwardRoutes(state, upstreams),
    log: opts.log ?? null,
  };
  const reroute = () => {
    ctx.routes = new ForwardRoutes(state, upstreams);
    dialers.retain(ctx.routes.namespaces);
  };
  const onError = opts.onError ?? (() => undefined);
  const idleMs = opts.tcpIdleTimeoutMs ?? TCP_IDLE_TIMEOUT_MS;
  const maxTcp = opts.maxTcpConnections ?? 512;
  const listeners = new Map<string, Listener>();
  const tcpSockets = new Set<net.Socket>();
  let wanted: ListenAddress[] = [];
  const counts = { udpMessages: 0, tcpMessages: 0 };
  let closed = false;
  let fallbackReported = false;

  function serveTcpConnection(sock: net.Socket): void {
    if (tcpSockets.size >= maxTcp) {
      sock.destroy();
      return;
    }
    tcpSockets.add(sock);
    const client = plainAddress(sock.remoteAddress);
    let buffered: Buffer | null = null;
    sock.setTimeout(idleMs, () => sock.destroy());
    sock.on('error', () => undefined);
    sock.on('close', () => tcpSockets.delete(sock));
    const send = (response: Buffer) => {
      if (sock.destroyed) return;
      // a client that does not read its answers is cut off rather than buffered for
      if (sock.writableLength > MAX_TCP_WRITE_BACKLOG) return void sock.destroy();
      const frame = Buffer.allocUnsafe(2 + response.length);
      frame.writeUInt16BE(response.length, 0);
      response.copy(frame, 2);
      sock.write(frame);
    };
    sock.on('data', (chunk: Buffer) => {
      let data = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      while (data.length >= 2) {
        const len = data.readUInt16BE(0);
        if (data.length < 2 + len) break;
        const message = data.subarray(2, 2 + len);
        data = data.subarray(2 + len);
        counts.tcpMessages++;
        handleQuery(ctx, Buffer.from(message), client, 'tcp', send);
      }
      buffered = data.length ? Buffer.from(data) : null;
    });
  }

  function closeListener(l: Listener): Promise<void> {
    return new Promise((resolve) => {
      l.udp?.close();
      l.tcp.close(() => resolve());
    });
  }

  async function bind(addr: ListenAddress): Promise<Listener | null> {
    const tcp = net.createServer(serveTcpConnection);
    let udp: UdpListener | null = null;
    try {
      udp = await listenUdp({
        address: addr.address,
        port: addr.port,
        onMessage: (msg, client, reply) => {
          counts.udpMessages++;
          handleQuery(ctx, msg, client, 'udp', reply);
        },
        onError: (message) => onError(`udp ${addr.address}:${addr.port}: ${message}`),
        onFallback: (reason) => {
          if (!fallbackReported) onError(reason);
          fallbackReported = true;
        },
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: addr.address, port: addr.port, exclusive: true, backlog: 511 }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      onError(`cannot listen on ${addr.address}:${addr.port}: ${(err as Error).message} (retrying)`);
      await closeListener({ udp, tcp });
      return null;
    }
    tcp.on('error', (err) => onError(`tcp ${addr.address}:${addr.port}: ${err.message}`));
    return { udp, tcp };
  }

  let reconciling: Promise<void> = Promise.resolve();
  function reconcile(): Promise<void> {
    reconciling = reconciling.then(async () => {
      const keep = new Set(wanted.map(keyOf));
      for (const [key, l] of [...listeners]) {
        if (!keep.has(key) || closed) {
          listeners.delete(key);
          await closeListener(l);
        }
      }
      if (closed) return;
      await Promise.all(
        wanted.filter((a) => !listeners.has(keyOf(a))).map(async (a) => {
          const l = await bind(a);
          if (!l) return;
          if (closed || listeners.has(keyOf(a))) await closeListener(l);
          else listeners.set(keyOf(a), l);
        }),
      );
    });
    return reconciling;
  }

  const retryTimer = setInterval(() => {
    if (wanted.some((a) => !listeners.has(keyOf(a)))) void reconcile();
  }, opts.retryMs ?? 2000);
  retryTimer.unref();

  const server: DnsServer = {
    setState(next) {
      state = next;
      ctx.table = RecordTable.fromState(next);
      reroute();
    },
    setUpstreams(next) {
      upstreams = next;
      reroute();
    },
    setListen(listen) {
      wanted = [...new Map(listen.map((a) => [keyOf(a), a])).values()];
      return reconcile();
    },
    stats: () => ({ ...counts }),
    bound: () => wanted.filter((a) => listeners.has(keyOf(a))),
    pending: () => wanted.filter((a) => !listeners.has(keyOf(a))),
    async close() {
      closed = true;
      clearInterval(retryTimer);
      forwarder.close();
      dialers.close();
      for (const s of tcpSockets) s.destroy();
      await reconcile();
    },
  };
  await server.setListen(opts.listen ?? []);
  return server;
}
