import { socketsHere, type SocketMaker } from '../netcore/kernel/netns-socket.js';
import { HEADER_SIZE } from './wire.js';
import type { Upstream } from './upstreams.js';

/**
 * One exchange with one upstream: send the query, wait for the reply that
 * belongs to it. Each exchange uses a fresh connected socket: a random source
 * port per query, replies from anyone but the upstream are filtered by the
 * kernel, and an ICMP "port unreachable" ends it at once. The socket comes
 * from `sockets`: the server's own namespace by default, or a container's
 * (sockets made there by the native addon, or this code run by the dialer
 * process inside it, dialer-main.ts).
 */
export type Transport = 'udp' | 'tcp';

export interface Exchange {
  /** the reply, or null on timeout, error or abort */
  reply: Promise<Buffer | null>;
  abort(): void;
}

export function exchange(upstream: Upstream, query: Buffer, transport: Transport, timeoutMs: number, sockets: SocketMaker = socketsHere): Exchange {
  let abort: () => void = () => undefined;
  const reply = new Promise<Buffer | null>((resolve) => {
    let done = false;
    const finish = (r: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      resolve(r);
    };
    abort = () => finish(null);
    const accept = (r: Buffer) => {
      if (isReplyTo(query, r)) finish(r);
    };
    const timer = setTimeout(abort, timeoutMs);
    let cleanup: () => void = () => undefined;
    try {
      cleanup = transport === 'udp' ? udpAttempt(sockets, upstream, query, accept, abort) : tcpAttempt(sockets, upstream, query, accept, abort);
    } catch {
      abort(); // no socket where it was asked for (the namespace is gone, say): this upstream fails
    }
  });
  return { reply, abort: () => abort() };
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

function udpAttempt(sockets: SocketMaker, upstream: Upstream, query: Buffer, onReply: (b: Buffer) => void, onFail: () => void): () => void {
  const sock = sockets.udp(upstream.address);
  sock.on('error', onFail);
  sock.on('message', onReply);
  // Node hands a failed connect (no route: ENETUNREACH) to this callback, not to 'error'
  const connected = (err?: Error) => {
    if (err) return onFail();
    sock.send(query, (sendErr) => {
      if (sendErr) onFail();
    });
  };
  sock.connect(upstream.port, upstream.address, connected as () => void);
  return () => {
    try {
      sock.close();
    } catch {
      // already closed
    }
  };
}

function tcpAttempt(sockets: SocketMaker, upstream: Upstream, query: Buffer, onReply: (b: Buffer) => void, onFail: () => void): () => void {
  const sock = sockets.tcp(upstream.address).connect({ host: upstream.address, port: upstream.port });
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
