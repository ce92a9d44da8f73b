import type { CheckResult } from '../../diag/check.js';
import type { DoctorReport } from '../../diag/doctor.js';
import type { BackendName } from '../../diag/inventory/types.js';
import { Store } from './store.js';

export interface ContainerRef {
  backend: BackendName;
  name: string;
}

export interface DoctorRequest {
  backend: BackendName;
  from: string;
  to: string;
  port: number | null;
  onResult: (r: CheckResult) => void;
}

/** What the doctor view runs: the same runDoctor the CLI calls (see services.ts). */
export interface DoctorRunner {
  checks: { id: string; title: string }[];
  run(req: DoctorRequest): Promise<DoctorReport>;
}

export type CheckRowState = 'waiting' | 'running' | 'done';

export interface CheckRow {
  id: string;
  title: string;
  state: CheckRowState;
  result: CheckResult | null;
}

export interface DoctorState {
  from: ContainerRef | null;
  to: ContainerRef | null;
  port: number | null;
  phase: 'idle' | 'running' | 'done' | 'error';
  rows: CheckRow[];
  report: DoctorReport | null;
  error: string | null;
}

/**
 * The doctor view's model: a source, a target and a port; a run shows each
 * check waiting, running (the first not yet finished: checks run in order),
 * then its verdict; at the end the report. A run can be started again.
 */
export class DoctorModel {
  readonly store: Store<DoctorState>;

  constructor(private readonly runner: DoctorRunner) {
    this.store = new Store<DoctorState>({ from: null, to: null, port: null, phase: 'idle', rows: this.freshRows(), report: null, error: null });
  }

  setFrom(ref: ContainerRef): void {
    this.store.set({ from: ref });
  }

  setTo(ref: ContainerRef): void {
    this.store.set({ to: ref });
  }

  setPort(port: number | null): void {
    this.store.set({ port });
  }

  /** why a run cannot start now, or null */
  blocker(): string | null {
    const { from, to, phase } = this.store.get();
    if (phase === 'running') return 'a run is in progress';
    if (!from || !to) return 'pick a source (f) and a target (t) first';
    if (from.backend !== to.backend) return `${from.name} and ${to.name} belong to different backends`;
    return null;
  }

  async run(): Promise<void> {
    const blocked = this.blocker();
    if (blocked) {
      if (this.store.get().phase !== 'running') this.store.set({ error: blocked });
      return;
    }
    const { from, to, port } = this.store.get();
    const rows = this.freshRows();
    if (rows[0]) rows[0] = { ...rows[0], state: 'running' };
    this.store.set({ phase: 'running', rows, report: null, error: null });
    try {
      const report = await this.runner.run({ backend: from!.backend, from: from!.name, to: to!.name, port, onResult: (r) => this.finished(r) });
      this.store.set({ phase: 'done', report });
    } catch (err) {
      this.store.set({ phase: 'error', error: (err as Error).message });
    }
  }

  private finished(result: CheckResult): void {
    this.store.set((s) => {
      const rows = s.rows.map((r) => (r.id === result.id ? { ...r, state: 'done' as const, result } : r));
      const next = rows.findIndex((r) => r.state === 'waiting');
      if (next >= 0) rows[next] = { ...rows[next]!, state: 'running' };
      return { rows };
    });
  }

  private freshRows(): CheckRow[] {
    return this.runner.checks.map((c) => ({ id: c.id, title: c.title, state: 'waiting', result: null }));
  }
}
