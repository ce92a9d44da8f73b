import { queryOutcome, type QueryLogRecord } from '../../dns/log-follow.js';
import { RingBuffer } from './ring-buffer.js';
import { Store } from './store.js';
import { throttle } from './throttle.js';

/** Where the query log comes from: the server's log file (see services.ts) or a recording. */
export interface DnsLogSource {
  /** a description for the view: the file followed */
  readonly where: string;
  follow(onRecords: (records: QueryLogRecord[]) => void): { close(): void };
}

export interface DnsState {
  records: QueryLogRecord[];
  paused: boolean;
  /** show only failed queries (an error rcode, or no answer) */
  failuresOnly: boolean;
  total: number;
  failures: number;
}

/**
 * The dns view's model: the embedded server's query log, live, in a bounded
 * buffer, told to the view at a bounded rate. Failures are counted and can
 * be shown alone.
 */
export class DnsModel {
  readonly store = new Store<DnsState>({ records: [], paused: false, failuresOnly: false, total: 0, failures: 0 });
  private readonly buffer: RingBuffer<QueryLogRecord>;
  private readonly publish: { call(): void; cancel(): void };
  private follower: { close(): void } | null = null;
  private failures = 0;
  visibleLines = 200;

  constructor(private readonly source: DnsLogSource, opts: { bufferSize?: number; renderEveryMs?: number } = {}) {
    this.buffer = new RingBuffer(opts.bufferSize ?? 5000);
    this.publish = throttle(() => this.publishNow(), opts.renderEveryMs ?? 100);
  }

  get where(): string {
    return this.source.where;
  }

  start(): void {
    this.follower ??= this.source.follow((records) => this.add(records));
  }

  stop(): void {
    this.follower?.close();
    this.follower = null;
    this.publish.cancel();
  }

  add(records: QueryLogRecord[]): void {
    for (const r of records) {
      this.buffer.push(r);
      if (queryOutcome(r) !== 'ok') this.failures++;
    }
    this.publish.call();
  }

  togglePause(): void {
    this.store.set((s) => ({ paused: !s.paused }));
    this.publishNow();
  }

  toggleFailuresOnly(): void {
    this.store.set((s) => ({ failuresOnly: !s.failuresOnly }));
    this.publishNow();
  }

  clear(): void {
    this.buffer.clear();
    this.failures = 0;
    this.buffer.total = 0;
    this.store.set({ records: [], total: 0, failures: 0 });
  }

  private publishNow(): void {
    const s = this.store.get();
    if (s.paused) return;
    const all = this.buffer.tail();
    const shown = s.failuresOnly ? all.filter((r) => queryOutcome(r) !== 'ok') : all;
    this.store.set({ records: shown.slice(-this.visibleLines), total: this.buffer.total, failures: this.failures });
  }
}
