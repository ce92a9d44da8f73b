import type { PerfReport, PerfSample } from '../../perf/types.js';
import type { ContainerRef } from './doctor-model.js';
import { emptyLive, foldSamples, type PerfLive } from './perf.js';
import { Store } from './store.js';
import { throttle } from './throttle.js';

export interface PerfRunRequest {
  backend: ContainerRef['backend'];
  from: string;
  to: string;
  onSample: (s: PerfSample) => void;
  onProgress: (line: string) => void;
  /** aborted by Esc, or when the TUI quits: the run stops its generators and rejects */
  signal: AbortSignal;
}

/** What the perf view runs: the same runPerf the CLI calls (see services.ts). */
export interface PerfRunner {
  run(req: PerfRunRequest): Promise<PerfReport>;
}

export interface PerfState {
  from: ContainerRef | null;
  to: ContainerRef | null;
  /** stopping: Esc was pressed, the generators are being stopped */
  phase: 'idle' | 'running' | 'stopping' | 'stopped' | 'done' | 'error';
  /** the step being measured (runPerf's progress line) */
  progress: string | null;
  live: PerfLive;
  report: PerfReport | null;
  error: string | null;
}

/**
 * The perf view's model: a source and a target, a run whose samples are
 * folded into histograms and series as they come (at most one fold per
 * `renderEveryMs`: RTT probes come every 10 ms), the report at the end. A run
 * can be stopped (Esc) and started again.
 */
export class PerfModel {
  readonly store = new Store<PerfState>({ from: null, to: null, phase: 'idle', progress: null, live: emptyLive(), report: null, error: null });
  private pending: PerfSample[] = [];
  private readonly publish: { call(): void; cancel(): void };
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly runner: PerfRunner, opts: { renderEveryMs?: number } = {}) {
    this.publish = throttle(() => this.flush(), opts.renderEveryMs ?? 100);
  }

  setFrom(ref: ContainerRef): void {
    this.store.set({ from: ref });
  }

  setTo(ref: ContainerRef): void {
    this.store.set({ to: ref });
  }

  /** a run goes (or is stopping) */
  get busy(): boolean {
    return this.abort !== null;
  }

  /** why a run cannot start now, or null */
  blocker(): string | null {
    const { from, to } = this.store.get();
    if (this.abort) return 'a perf run is in progress (esc stops it)';
    if (!from || !to) return 'pick a source (f) and a target (t) first';
    if (from.backend !== to.backend) return `${from.name} and ${to.name} belong to different backends`;
    return null;
  }

  run(): Promise<void> {
    const blocked = this.blocker();
    if (blocked) {
      if (!this.abort) this.store.set({ error: blocked });
      return Promise.resolve();
    }
    const { from, to } = this.store.get();
    const abort = new AbortController();
    this.abort = abort;
    this.pending = [];
    this.store.set({ phase: 'running', progress: 'starting', live: emptyLive(), report: null, error: null });
    this.running = this.runner.run({
      backend: from!.backend, from: from!.name, to: to!.name, signal: abort.signal,
      onSample: (s) => {
        this.pending.push(s);
        this.publish.call();
      },
      onProgress: (progress) => this.store.set({ progress }),
    }).then(
      (report) => this.finish({ phase: 'done', report }),
      (err: Error) => this.finish(abort.signal.aborted ? { phase: 'stopped' } : { phase: 'error', error: err.message }),
    );
    return this.running;
  }

  /** Stops the run, if one goes, and waits until its generators are gone. */
  async stop(): Promise<void> {
    if (!this.abort) return;
    if (!this.abort.signal.aborted) {
      this.store.set({ phase: 'stopping' });
      this.abort.abort();
    }
    await this.running;
  }

  private finish(patch: Partial<PerfState>): void {
    this.publish.cancel();
    this.flush();
    this.abort = null;
    this.store.set({ ...patch, progress: null });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length) this.store.set((s) => ({ live: foldSamples(s.live, batch) }));
  }
}
