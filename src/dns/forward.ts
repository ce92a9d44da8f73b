import { randomInt } from 'node:crypto';
import { RCODE, headerOf, withId } from './wire.js';
import type { Transport } from './dial.js';
import { LOCAL_DIALER, type Dialer } from './netns-dialer.js';
import type { ForwardTarget } from './routes.js';

/**
 * Forwarding to the upstream servers, as Docker's resolver does it: each
 * upstream gets `timeoutMs` (4 s); no answer, SERVFAIL or REFUSED moves on to
 * the next; any other reply (NXDOMAIN included) is passed back as it came,
 * with only the id put back. At most `maxInFlight` queries are forwarded at
 * once; a query past that waits up to `timeoutMs` for a slot and is REFUSED
 * when none frees up.
 *
 * Which upstreams, and the namespace each is dialled from, is the caller's
 * (routes.ts); the exchange itself is dial.ts's, through `dialerFor`.
 */
export interface ForwarderOptions {
  timeoutMs?: number;
  maxInFlight?: number;
  /** queries waiting for a slot beyond this are refused at once, so a flood cannot grow memory */
  maxWaiting?: number;
  /** the dialer for a namespace (null: the server's own); default: everything from the server's namespace */
  dialerFor?: (netnsPath: string | null) => Dialer;
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
  private readonly dialerFor: (netnsPath: string | null) => Dialer;
  private readonly attempts = new Set<() => void>();
  private closed = false;

  constructor(opts: ForwarderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? FORWARD_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
    this.maxWaiting = opts.maxWaiting ?? 4 * this.maxInFlight;
    this.dialerFor = opts.dialerFor ?? (() => LOCAL_DIALER);
  }

  get pending(): number {
    return this.inFlight + this.waiting.length;
  }

  async forward(query: Buffer, transport: Transport, targets: readonly ForwardTarget[]): Promise<ForwardResult> {
    if (!(await this.acquireSlot())) return REFUSED;
    try {
      const id = query.readUInt16BE(0);
      for (const target of targets) {
        if (this.closed) break;
        const reply = await this.attempt(target, withId(query, randomInt(0x10000)), transport);
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
  private async attempt(target: ForwardTarget, query: Buffer, transport: Transport): Promise<Buffer | null> {
    const ex = this.dialerFor(target.netnsPath).exchange(target.upstream, query, transport, this.timeoutMs);
    this.attempts.add(ex.abort);
    try {
      return await ex.reply;
    } finally {
      this.attempts.delete(ex.abort);
    }
  }
}
