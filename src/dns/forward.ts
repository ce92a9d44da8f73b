import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { HEADER_SIZE, RCODE, headerOf, withId } from './wire.js';
import type { Upstream } from './upstreams.js';

/**
 * Forwarding to the upstream servers, as Docker's resolver does it: each
 * upstream gets `timeoutMs` (4 s); no answer, SERVFAIL or REFUSED moves on to
 * the next; any other reply (NXDOMAIN included) is passed back as it came,
 * with only the id put back. At most `maxInFlight` queries are forwarded at
 * once; a query past that waits up to `timeoutMs` for a slot and is REFUSED
 * when none frees up.
 *
 * Each attempt uses a fresh connected socket: a random source port per query,
 * replies from anyone but the upstream are filtered by the kernel, and an
 * ICMP "port unreachable" ends the attempt at once.
 */
export interface ForwarderOptions {
  timeoutMs?: number;
  maxInFlight?: number;
  /** queries waiting for a slot beyond this are refused at once, so a flood cannot grow memory */
  maxWaiting?: number;
}

export type ForwardResult = { kind: 'reply'; message: Buffer } | { kind: 'failed'; rcode: number };

export const FORWARD_TIMEOUT_MS = 4000;
export const MAX_IN_FLIGHT = 1024;

const SERVFAIL: ForwardResult = { kind: 'failed', rcode: RCODE.SERVFAIL };
const REFUSED: ForwardResult = { kind: 'failed', rcode: RCODE.REFUSED };

export class Forwarder {
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly maxWaiting: number;
  private inFlight = 0;
  private readonly waiting: Array<(granted: boolean) => void> = [];
  private readonly attempts = new Set<() => void>();
  private closed = false;

  constructor(
    private upstreams: Upstream[],
    opts: ForwarderOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? FORWARD_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
    this.maxWaiting = opts.maxWaiting ?? 4 * this.maxInFlight;
  }

  setUpstreams(upstreams: Upstream[]): void {
    this.upstreams = upstreams;
  }

  get pending(): number {
    return this.inFlight + this.waiting.length;
  }

  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<ForwardResult> {
    if (!(await this.acquireSlot())) return REFUSED;
    try {
      const id = query.readUInt16BE(0);
      for (const upstream of this.upstreams) {
        if (this.closed) break;
        const reply = await this.attempt(upstream, withId(query, randomInt(0x10000)), transport);
        if (!reply) continue;
        const rcode = headerOf(reply)!.rcode;
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) continue;
        return { kind: 'reply', message: withId(reply, id) };
      }
      return SERVFAIL;
    } finally {
      this.releaseSlot();
    }
  }

  /** Ends every attempt and wait at once (their queries get SERVFAIL / REFUSED). */
  close(): void {
    this.closed = true;
    for (const abort of [...this.attempts]) abort();
    for (const wake of this.waiting.splice(0)) wake(false);
  }

  private acquireSlot(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (granted: boolean) => {
        clearTimeout(timer);
        resolve(granted);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      }, this.timeoutMs);
      this.waiting.push(wake);
    });
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next(true); // the slot passes straight to the next waiter
    else this.inFlight--;
  }

  /** One try at one upstream: its reply to this id and question, or null (timeout, error, closed). */
  private attempt(upstream: Upstream, query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | null> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (reply: Buffer | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.attempts.delete(abort);
        cleanup();
        resolve(reply);
      };
      const abort = () => finish(null);
      const accept = (reply: Buffer) => {
        if (isReplyTo(query, reply)) finish(reply);
      };
      const timer = setTimeout(abort, this.timeoutMs);
      this.attempts.add(abort);
      const cleanup = transport === 'udp' ? udpAttempt(upstream, query, accept, abort) : tcpAttempt(upstream, query, accept, abort);
    });
  }
}

/** A reply belongs to a query when the id and the question bytes match. */
function isReplyTo(query: Buffer, reply: Buffer): boolean {
  if (reply.length < HEADER_SIZE || reply.readUInt16BE(0) !== query.readUInt16BE(0)) return false;
  if ((reply[2]! & 0x80) === 0) return false;
  const qd = reply.readUInt16BE(4);
  if (qd === 0) return true; // some servers send FORMERR/NOTIMP without the question
  const end = questionEndOf(query);
  return end > 0 && reply.length >= end && reply.compare(query, HEADER_SIZE, end, HEADER_SIZE, end) === 0;
}

function questionEndOf(msg: Buffer): number {
  let pos = HEADER_SIZE;
  while (pos < msg.length) {
    const len = msg[pos]!;
    if (len === 0) return pos + 5;
    if ((len & 0xc0) === 0xc0) return pos + 6;
    pos += len + 1;
  }
  return -1;
}

function udpAttempt(upstream: Upstream, query: Buffer, onReply: (b: Buffer) => void, onFail: () => void): () => void {
  const sock = dgram.createSocket(net.isIPv6(upstream.address) ? 'udp6' : 'udp4');
  sock.on('error', onFail);
  sock.on('message', onReply);
  sock.connect(upstream.port, upstream.address, () => {
    sock.send(query, (err) => {
      if (err) onFail();
    });
  });
  return () => {
    try {
      sock.close();
    } catch {
      // already closed
    }
  };
}

function tcpAttempt(upstream: Upstream, query: Buffer, onReply: (b: Buffer) => void, onFail: () => void): () => void {
  const sock = net.connect({ host: upstream.address, port: upstream.port });
  let buffered = Buffer.alloc(0);
  sock.on('error', onFail);
  sock.on('close', onFail);
  sock.on('connect', () => {
    const framed = Buffer.allocUnsafe(2 + query.length);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    sock.write(framed);
  });
  sock.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) break;
      const msg = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      onReply(msg);
    }
  });
  return () => sock.destroy();
}
