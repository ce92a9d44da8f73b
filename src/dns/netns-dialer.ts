import { fileURLToPath } from 'node:url';
import { config } from '../config.js';
import { JsonLinesChild } from '../netcore/kernel/json-lines-child.js';
import { canMakeSocketsIn, socketsIn } from '../netcore/kernel/netns-socket.js';
import { exchange, type Exchange, type Transport } from './dial.js';
import type { Upstream } from './upstreams.js';

/**
 * Where a forwarded query leaves from. Docker's resolver dials the host's own
 * loopback upstreams from the host namespace and every other upstream (the
 * host's others, and a container's `--dns`) from inside the container's
 * namespace; tsdiag's server lives in the host namespace, so for the latter it
 * makes each exchange's socket inside the container's namespace (the native
 * addon's socketIn: no process lives there, nothing keeps the namespace once
 * the exchange is over). Without the addon, or with TSDIAG_NATIVE=-dns-dial,
 * it keeps one small dialer process per container namespace instead
 * (dialer-main.ts), started on first use and stopped when idle or when the
 * container is gone.
 */
export interface Dialer {
  exchange(upstream: Upstream, query: Buffer, transport: Transport, timeoutMs: number): Exchange;
}

export const LOCAL_DIALER: Dialer = { exchange };

export interface DialRequest {
  id: number;
  address: string;
  port: number;
  transport: Transport;
  timeoutMs: number;
  /** base64 */
  query: string;
}

export interface DialReply {
  id: number;
  /** base64, or null: no reply in time */
  reply: string | null;
}

const DIALER_MAIN = fileURLToPath(new URL('./dialer-main.js', import.meta.url));
export const DIALER_IDLE_MS = 30_000;
/** the child's own timer fires first; this covers a child that died or hangs */
const PARENT_GRACE_MS = 500;

class NamespaceDialer implements Dialer {
  private readonly child: JsonLinesChild<DialRequest, DialReply>;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly netnsPath: string, private readonly idleMs: number, onExit: () => void) {
    this.child = new JsonLinesChild(DIALER_MAIN, netnsPath, {
      name: 'DNS dialer',
      onSettled: () => this.armIdle(),
      onExit: () => {
        if (this.idleTimer) clearTimeout(this.idleTimer);
        onExit();
      },
    });
    this.armIdle();
  }

  get exited(): boolean {
    return this.child.exited !== null;
  }

  exchange(upstream: Upstream, query: Buffer, transport: Transport, timeoutMs: number): Exchange {
    const req = { address: upstream.address, port: upstream.port, transport, timeoutMs, query: query.toString('base64') };
    const { id, reply } = this.child.request(req, timeoutMs + PARENT_GRACE_MS);
    this.armIdle();
    return {
      // a dialer gone, silent or aborted: no reply, as from a silent upstream
      reply: reply.then((r) => (r.reply === null ? null : Buffer.from(r.reply, 'base64')), () => null),
      abort: () => this.child.cancel(id),
    };
  }

  stop(): void {
    this.child.stop();
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.exited || this.child.pendingCount) return;
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
    this.idleTimer.unref();
  }
}

export class NamespaceDialers {
  private readonly dialers = new Map<string, NamespaceDialer>();
  private readonly inProcess = config().native.dnsDial && canMakeSocketsIn();

  constructor(private readonly idleMs = DIALER_IDLE_MS) {}

  /** The dialer for a namespace (null: the server's own). */
  get(netnsPath: string | null): Dialer {
    if (netnsPath === null) return LOCAL_DIALER;
    const sockets = this.inProcess ? socketsIn(netnsPath) : null;
    if (sockets) return { exchange: (upstream, query, transport, timeoutMs) => exchange(upstream, query, transport, timeoutMs, sockets) };
    const known = this.dialers.get(netnsPath);
    if (known && !known.exited) return known;
    const made: NamespaceDialer = new NamespaceDialer(netnsPath, this.idleMs, () => {
      if (this.dialers.get(netnsPath) === made) this.dialers.delete(netnsPath);
    });
    this.dialers.set(netnsPath, made);
    return made;
  }

  /** Stops the dialers of namespaces not in `wanted`: a process left inside would keep a removed container's namespace alive. */
  retain(wanted: ReadonlySet<string>): void {
    for (const [p, d] of this.dialers) {
      if (!wanted.has(p)) {
        this.dialers.delete(p);
        d.stop();
      }
    }
  }

  close(): void {
    this.retain(new Set());
  }
}
