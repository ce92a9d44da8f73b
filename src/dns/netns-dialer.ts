import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { config } from '../config.js';
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
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly pending = new Map<number, (reply: Buffer | null) => void>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  exited = false;

  constructor(readonly netnsPath: string, private readonly idleMs: number, onExit: () => void) {
    this.child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, DIALER_MAIN], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdin.on('error', () => undefined);
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      let r: DialReply;
      try {
        r = JSON.parse(line) as DialReply;
      } catch {
        return;
      }
      this.settle(r.id, r.reply === null ? null : Buffer.from(r.reply, 'base64'));
    });
    this.child.on('exit', () => {
      this.exited = true;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      for (const id of [...this.pending.keys()]) this.settle(id, null);
      onExit();
    });
    this.child.on('error', () => undefined);
    this.armIdle();
  }

  exchange(upstream: Upstream, query: Buffer, transport: Transport, timeoutMs: number): Exchange {
    const id = this.nextId++;
    const reply = new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => this.settle(id, null), timeoutMs + PARENT_GRACE_MS);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    if (this.exited) this.settle(id, null);
    else {
      const req: DialRequest = { id, address: upstream.address, port: upstream.port, transport, timeoutMs, query: query.toString('base64') };
      this.child.stdin.write(JSON.stringify(req) + '\n');
      this.armIdle();
    }
    return { reply, abort: () => this.settle(id, null) };
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill('SIGTERM');
  }

  private settle(id: number, reply: Buffer | null): void {
    const done = this.pending.get(id);
    if (!done) return;
    this.pending.delete(id);
    done(reply);
    this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.exited || this.pending.size) return;
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
