import dgram from 'node:dgram';
import net from 'node:net';
import { config } from '../config.js';
import { loadNative, type UdpBatchCalls } from '../netcore/kernel/native.js';
import { canonicalAddress, formatIpv6Words } from './ipv6-text.js';

/**
 * The DNS server's UDP side. Node's dgram costs a libuv read into a fresh 64 KiB
 * allocation, a JS callback and an rinfo per datagram and a send request per
 * answer; with the tsdiag-native addon a wakeup reads up to 64 datagrams with
 * one recvmmsg and answers them with one sendmmsg, on IPv4 and IPv6 addresses
 * alike. A missing addon (or one built before IPv6, for an IPv6 address) and
 * TSDIAG_NATIVE=-dns-udp use dgram. Clients are named as the record table
 * keys them (IPv6: RFC 5952, ipv6-text.ts).
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
  if (!config().native.dnsUdp) return listenDgram(opts);
  const load = loadNative();
  if ('error' in load) {
    opts.onFallback?.(`batched UDP unavailable (${load.error}): using node:dgram`);
    return listenDgram(opts);
  }
  const v6 = net.isIPv6(opts.address);
  if (v6 && !load.addon.META_STRIDE6) {
    opts.onFallback?.('batched UDP unavailable for IPv6 (the tsdiag-native build predates it: rebuild it): using node:dgram');
    return listenDgram(opts);
  }
  return new BatchListener(load.addon, load.addon.open(opts.address, opts.port), v6, opts);
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
    opts.onMessage(msg, rinfo.family === 'IPv6' ? canonicalAddress(rinfo.address) : rinfo.address, (response) => {
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

/** An IPv6 peer as the addon's meta holds it: port, scope id, the address as 4 words. */
const PEER6_WORDS = 6;

interface Client6 {
  w0: number;
  w1: number;
  w2: number;
  name: string;
}

class BatchListener implements UdpListener {
  readonly kind = 'batch';
  private readonly slab: Buffer;
  private readonly inMeta: Uint32Array;
  private readonly out = Buffer.allocUnsafeSlow(OUT_SLAB_SIZE);
  private readonly outMeta: Uint32Array;
  private readonly recvStride: number;
  private readonly sendStride: number;
  private outCount = 0;
  private outBytes = 0;
  private flushQueued = false;
  private closed = false;
  private readonly clientNames = new Map<number, string>();
  /** IPv6 names by the address's last word, then the other three compared */
  private readonly clientNames6 = new Map<number, Client6[]>();

  constructor(private readonly addon: UdpBatchCalls, private readonly sock: object, private readonly v6: boolean, private readonly opts: ListenUdpOptions) {
    this.recvStride = v6 ? addon.META_STRIDE6! : addon.RECV_META_STRIDE;
    this.sendStride = v6 ? addon.META_STRIDE6! : addon.SEND_META_STRIDE;
    this.slab = Buffer.allocUnsafeSlow(UDP_SLOT_SIZE * addon.MAX_BATCH);
    this.inMeta = new Uint32Array(addon.MAX_BATCH * this.recvStride);
    this.outMeta = new Uint32Array(addon.MAX_BATCH * this.sendStride);
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
    const stride = this.recvStride;
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
          const message = slab.subarray(inMeta[at]!, inMeta[at]! + inMeta[at + 1]!);
          if (this.v6) this.onMessage6(message, inMeta.slice(at + 2, at + 2 + PEER6_WORDS));
          else this.onMessage4(message, inMeta[at + 2]!, inMeta[at + 3]!);
        }
        if (n < addon.MAX_BATCH) break;
      }
    } finally {
      this.flush();
    }
  }

  private onMessage4(message: Buffer, ip: number, port: number): void {
    this.opts.onMessage(message, this.clientName(ip), (response) => {
      const at = this.queueReply(response);
      if (at < 0) return;
      this.outMeta[at + 2] = ip;
      this.outMeta[at + 3] = port;
    });
  }

  private onMessage6(message: Buffer, peer: Uint32Array): void {
    this.opts.onMessage(message, this.clientName6(peer[2]!, peer[3]!, peer[4]!, peer[5]!), (response) => {
      const at = this.queueReply(response);
      if (at >= 0) this.outMeta.set(peer, at + 2);
    });
  }

  private clientName6(w0: number, w1: number, w2: number, w3: number): string {
    const known = this.clientNames6.get(w3);
    const hit = known?.find((c) => c.w0 === w0 && c.w1 === w1 && c.w2 === w2);
    if (hit) return hit.name;
    if (this.clientNames6.size >= MAX_CLIENT_NAMES) this.clientNames6.clear();
    const made = { w0, w1, w2, name: formatIpv6Words(w0, w1, w2, w3) };
    if (known && this.clientNames6.has(w3)) known.push(made);
    else this.clientNames6.set(w3, [made]);
    return made.name;
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

  /**
   * Replies made while a batch is handled go out with it; later ones (forwarded) at the end of their tick.
   * Copies the response into the out slab and returns where its meta starts (the caller writes the peer), or -1.
   */
  private queueReply(response: Buffer): number {
    if (this.closed) return -1;
    if (this.outCount === this.addon.MAX_BATCH || this.outBytes + response.length > this.out.length) this.flush();
    const at = this.outCount * this.sendStride;
    this.outMeta[at] = this.outBytes;
    this.outMeta[at + 1] = response.copy(this.out, this.outBytes);
    this.outBytes += this.outMeta[at + 1]!;
    this.outCount++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return at;
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
