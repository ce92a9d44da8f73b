import type { CaptureStats } from '../../capture/live/live.js';
import type { CaptureInterface } from '../../capture/live/live-run.js';
import type { CapturedPacket, LineCapture, LineCaptureOptions } from '../../capture/live/line-capture.js';
import { RingBuffer } from './ring-buffer.js';
import { Store } from './store.js';
import { throttle } from './throttle.js';

/** What the capture view calls: netcore's capture API (see services.ts), replaceable by recordings in tests. */
export interface CaptureService {
  /** libpcap's complaint about a filter, or null when it compiles */
  filterError(filter: string): string | null;
  start(opts: LineCaptureOptions): Promise<LineCapture>;
  /** writes packets to a pcap file; returns how many */
  write(file: string, linkTypes: number[], packets: readonly CapturedPacket[]): number;
}

export interface CaptureTarget {
  label: string;
  interfaces: CaptureInterface[];
}

export interface CaptureState {
  target: CaptureTarget | null;
  phase: 'stopped' | 'starting' | 'running';
  paused: boolean;
  /** the filter the capture runs with */
  filter: string;
  /** the filter box while it is edited; its libpcap error, live */
  draft: string;
  draftError: string | null;
  /** packets delivered since start (tcpdump's "captured") */
  captured: number;
  /** tcpdump's "dropped by kernel": updated about once a second while running, final when stopped */
  dropped: number | null;
  /** lines to show: the newest of the buffer, or a frozen copy while paused */
  lines: CapturedPacket[];
  /** while paused: how many of the newest lines are scrolled past */
  scrollBack: number;
  message: string | null;
  error: string | null;
}

export interface CaptureModelOptions {
  /** packets kept (for the screen and for writing a file) */
  bufferSize?: number;
  /** the screen is told of new packets at most this often */
  renderEveryMs?: number;
  /** lines handed to the view: at most a screenful */
  visibleLines?: number;
}

/**
 * A live capture for the screen: packets go into a bounded ring buffer at
 * whatever rate they come; the view is told at a bounded rate and gets only
 * the newest screenful. So 10,000 packets/s cost a ring-buffer push each, not
 * a render each, and typing stays responsive.
 */
export class CaptureModel {
  readonly store = new Store<CaptureState>({
    target: null, phase: 'stopped', paused: false, filter: '', draft: '', draftError: null,
    captured: 0, dropped: null, lines: [], scrollBack: 0, message: null, error: null,
  });
  private readonly buffer: RingBuffer<CapturedPacket>;
  private readonly publish: { call(): void; cancel(): void };
  private session: LineCapture | null = null;
  private linkTypes: number[] = [];
  private captured = 0;
  /** the buffer as it was when paused: scrolled through while new packets keep coming in */
  private frozen: CapturedPacket[] | null = null;
  visibleLines: number;

  constructor(private readonly service: CaptureService, private readonly names: () => ReadonlyMap<string, string> | null, opts: CaptureModelOptions = {}) {
    this.buffer = new RingBuffer(opts.bufferSize ?? 5000);
    this.visibleLines = opts.visibleLines ?? 200;
    this.publish = throttle(() => this.publishNow(), opts.renderEveryMs ?? 100);
  }

  async start(target: CaptureTarget): Promise<void> {
    await this.stop();
    const { filter } = this.store.get();
    this.buffer.clear();
    this.frozen = null;
    this.captured = 0;
    this.store.set({ target, phase: 'starting', paused: false, captured: 0, dropped: null, lines: [], scrollBack: 0, message: null, error: null });
    try {
      this.session = await this.service.start({
        interfaces: target.interfaces, filter, names: this.names(),
        onPacket: (p) => {
          this.captured++;
          this.buffer.push(p);
          this.publish.call();
        },
        onStats: (stats) => this.store.set({ dropped: stats.dropped }),
      });
      this.linkTypes = this.session.linkTypes;
      this.store.set({ phase: 'running', message: `listening on ${target.interfaces.map((i) => i.device).join(', ')}` });
    } catch (err) {
      this.store.set({ phase: 'stopped', error: (err as Error).message });
    }
  }

  async stop(): Promise<CaptureStats | null> {
    const session = this.session;
    if (!session) return null;
    this.session = null;
    const stats = await session.stop();
    this.publish.cancel();
    this.publishNow();
    this.store.set({ phase: 'stopped', dropped: stats.dropped, message: `stopped: ${this.captured} captured, ${stats.received} received by filter, ${stats.dropped} dropped by kernel` });
    return stats;
  }

  /** edits the filter box: libpcap's verdict comes back with every keystroke */
  editFilter(draft: string): void {
    this.store.set({ draft, draftError: this.service.filterError(draft) });
  }

  /** applies the filter box; a running capture restarts with it. A filter libpcap refuses is not applied. */
  async applyFilter(): Promise<boolean> {
    const { draft, target, phase } = this.store.get();
    const error = this.service.filterError(draft);
    if (error) {
      this.store.set({ draftError: error });
      return false;
    }
    this.store.set({ filter: draft, draftError: null });
    if (target && phase !== 'stopped') await this.start(target);
    return true;
  }

  /** the filter box back to the applied filter */
  cancelFilter(): void {
    this.store.set((s) => ({ draft: s.filter, draftError: null }));
  }

  togglePause(): void {
    this.frozen = this.frozen ? null : this.buffer.tail();
    this.store.set({ paused: this.frozen !== null, scrollBack: 0 });
    this.publishNow();
  }

  /** while paused: moves through the frozen buffer (positive: older) */
  scroll(delta: number): void {
    if (!this.frozen) return;
    const max = Math.max(0, this.frozen.length - this.visibleLines);
    this.store.set((s) => ({ scrollBack: Math.min(max, Math.max(0, s.scrollBack + delta)) }));
    this.publishNow();
  }

  clear(): void {
    this.buffer.clear();
    if (this.frozen) this.frozen = [];
    this.store.set({ scrollBack: 0 });
    this.publishNow();
  }

  /** writes the kept packets (up to the buffer's size) to a pcap file */
  write(file: string): void {
    try {
      if (!this.linkTypes.length) throw new Error('nothing captured yet');
      const n = this.service.write(file, this.linkTypes, this.buffer.tail());
      this.store.set({ message: `wrote ${n} packet${n === 1 ? '' : 's'} to ${file}`, error: null });
    } catch (err) {
      this.store.set({ error: `cannot write ${file}: ${(err as Error).message}` });
    }
  }

  private publishNow(): void {
    const lines = this.frozen
      ? this.frozen.slice(Math.max(0, this.frozen.length - this.store.get().scrollBack - this.visibleLines), this.frozen.length - this.store.get().scrollBack)
      : this.buffer.tail(this.visibleLines);
    this.store.set({ captured: this.captured, lines });
  }
}
