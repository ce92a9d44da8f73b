import dgram from 'node:dgram';
import net from 'node:net';
import { config } from '../config.js';
import { loadNative, type UdpBatchCalls } from '../netcore/kernel/native.js';

/**
 * The DNS server's UDP side. Node's dgram costs a libuv read into a fresh 64 KiB
 * allocation, a JS callback and an rinfo per datagram and a send request per
 * answer; with the tsdiag-native addon a wakeup reads up to 64 datagrams with
 * one recvmmsg and answers them with one sendmmsg. IPv6 addresses, a missing
 * addon and TSDIAG_NATIVE=-dns-udp use dgram.
 */
export type UdpMessageHandler = (message: Buffer, client: string, reply: (response: Buffer) => void) => void;

export interface UdpListener {
  readonly kind: 'batch' | 'dgram';
  close(): void;
}


/** A query longer than this is dropped (real ones are a few hundred bytes at most). */
export const UDP_SLOT_SIZE = 4096;
/** batches read per wakeup before the loop gets a turn (the poll is level-triggered: the rest comes next time) */
const BATCHES_PER_WAKEUP = 8;
/** replies are gathered here for one sendmmsg; it must hold the largest one (64 KiB) */
const OUT_SLAB_SIZE = 256 * 1024;
const MAX_CLIENT_NAMES = 4096;

export interface ListenUdpOptions {
  address: string;
  port: number;
  onMessage: UdpMessageHandler;
  /** socket errors after the bind */
  onError: (message: string) => void;
  /** told once per call when the addon cannot be loaded and dgram is used instead */
  onFallback?: (reason: string) => void;
}

/** Binds address:port (rejects with the bind error, e.g. EADDRINUSE) and serves it. */
export async function listenUdp(opts: ListenUdpOptions): Promise<UdpListener> {
  if (!config().native.dnsUdp || net.isIPv6(opts.address)) return listenDgram(opts);
  const load = loadNative();
  if ('error' in load) {
    opts.onFallback?.(`batched UDP unavailable (${load.error}): using node:dgram`);
    return listenDgram(opts);
  }
  return new BatchListener(load.addon, load.addon.open(opts.address, opts.port), opts);
}

async function listenDgram(opts: ListenUdpOptions): Promise<UdpListener> {
  const udp = dgram.createSocket({ type: net.isIPv6(opts.address) ? 'udp6' : 'udp4' });
  const close = () => {
    try {
      udp.close();
    } catch {
      // not bound or already closed
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: opts.address, port: opts.port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    close();
    throw err;
  }
  udp.on('message', (msg, rinfo) => {
    opts.onMessage(msg, rinfo.address, (response) => {
      try {
        udp.send(response, rinfo.port, rinfo.address);
      } catch {
        // the socket was closed while a forwarded query was out
      }
    });
  });
  udp.on('error', (err) => opts.onError(err.message));
  return { kind: 'dgram', close };
}

class BatchListener implements UdpListener {
  readonly kind = 'batch';
  private readonly slab: Buffer;
  private readonly inMeta: Uint32Array;
  private readonly out = Buffer.allocUnsafeSlow(OUT_SLAB_SIZE);
  private readonly outMeta: Uint32Array;
  private outCount = 0;
  private outBytes = 0;
  private flushQueued = false;
  private closed = false;
  private readonly clientNames = new Map<number, string>();

  constructor(private readonly addon: UdpBatchCalls, private readonly sock: object, private readonly opts: ListenUdpOptions) {
    this.slab = Buffer.allocUnsafeSlow(UDP_SLOT_SIZE * addon.MAX_BATCH);
    this.inMeta = new Uint32Array(addon.MAX_BATCH * addon.RECV_META_STRIDE);
    this.outMeta = new Uint32Array(addon.MAX_BATCH * addon.SEND_META_STRIDE);
    try {
      addon.watch(sock, () => this.onReadable());
    } catch (err) {
      addon.close(sock);
      throw err;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.close(this.sock);
  }

  private onReadable(): void {
    const { addon, sock, slab, inMeta } = this;
    const stride = addon.RECV_META_STRIDE;
    try {
      for (let round = 0; round < BATCHES_PER_WAKEUP && !this.closed; round++) {
        let n: number;
        try {
          n = addon.recv(sock, slab, UDP_SLOT_SIZE, inMeta);
        } catch (err) {
          this.opts.onError((err as Error).message);
          return;
        }
        for (let i = 0; i < n; i++) {
          const at = i * stride;
          const ip = inMeta[at + 2]!;
          const port = inMeta[at + 3]!;
          const message = slab.subarray(inMeta[at]!, inMeta[at]! + inMeta[at + 1]!);
          this.opts.onMessage(message, this.clientName(ip), (response) => this.queueReply(response, ip, port));
        }
        if (n < addon.MAX_BATCH) break;
      }
    } finally {
      this.flush();
    }
  }

  private clientName(ip: number): string {
    let name = this.clientNames.get(ip);
    if (name === undefined) {
      // bounded: spoofed sources must not grow it without end
      if (this.clientNames.size >= MAX_CLIENT_NAMES) this.clientNames.clear();
      name = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      this.clientNames.set(ip, name);
    }
    return name;
  }

  /** Replies made while a batch is handled go out with it; later ones (forwarded) at the end of their tick. */
  private queueReply(response: Buffer, ip: number, port: number): void {
    if (this.closed) return;
    if (this.outCount === this.addon.MAX_BATCH || this.outBytes + response.length > this.out.length) this.flush();
    const at = this.outCount * this.addon.SEND_META_STRIDE;
    this.outMeta[at] = this.outBytes;
    this.outMeta[at + 1] = response.copy(this.out, this.outBytes);
    this.outMeta[at + 2] = ip;
    this.outMeta[at + 3] = port;
    this.outBytes += this.outMeta[at + 1]!;
    this.outCount++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.outCount === 0) return;
    const count = this.outCount;
    this.outCount = 0;
    this.outBytes = 0;
    if (this.closed) return;
    try {
      this.addon.send(this.sock, this.out, this.outMeta, count);
    } catch (err) {
      this.opts.onError((err as Error).message);
    }
  }
}
