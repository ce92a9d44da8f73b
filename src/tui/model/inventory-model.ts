import type { InventoryProvider } from '../../diag/inventory/types.js';
import { Store } from './store.js';
import { buildTree, type InventorySnapshot, type TreeRow } from './tree.js';

export interface InventoryState {
  snapshots: InventorySnapshot[];
  rows: TreeRow[];
  selectedKey: string | null;
  loaded: boolean;
}

/**
 * The left pane's model: the backends' networks and containers, re-read
 * every `intervalMs` (a state file or a Docker engine can change under us),
 * and the selected row, kept by key across refreshes.
 */
export class InventoryModel {
  readonly store = new Store<InventoryState>({ snapshots: [], rows: [], selectedKey: null, loaded: false });
  private timer: NodeJS.Timeout | null = null;
  private lastJson = '';

  constructor(private readonly providers: InventoryProvider[], private readonly intervalMs = 2000) {}

  start(): Promise<void> {
    this.timer ??= setInterval(() => void this.refresh(), this.intervalMs);
    return this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async refresh(): Promise<void> {
    const snapshots = await Promise.all(this.providers.map(readSnapshot));
    const json = JSON.stringify(snapshots);
    if (json === this.lastJson && this.store.get().loaded) return;
    this.lastJson = json;
    const rows = buildTree(snapshots);
    this.store.set((s) => ({ snapshots, rows, loaded: true, selectedKey: keepSelection(s.selectedKey, s.rows, rows) }));
  }

  selected(): TreeRow | null {
    const { rows, selectedKey } = this.store.get();
    return rows.find((r) => r.key === selectedKey) ?? null;
  }

  move(delta: number): void {
    const { rows, selectedKey } = this.store.get();
    if (!rows.length) return;
    const at = Math.max(0, rows.findIndex((r) => r.key === selectedKey));
    const next = Math.min(rows.length - 1, Math.max(0, at + delta));
    this.store.set({ selectedKey: rows[next]!.key });
  }

  selectKey(key: string): void {
    if (this.store.get().rows.some((r) => r.key === key)) this.store.set({ selectedKey: key });
  }
}

async function readSnapshot(p: InventoryProvider): Promise<InventorySnapshot> {
  try {
    if (!(await p.available())) return { backend: p.backend, networks: [], containers: [], error: 'not reachable' };
    const [networks, containers] = await Promise.all([p.listNetworks(), p.listContainers()]);
    return { backend: p.backend, networks, containers, error: null };
  } catch (err) {
    return { backend: p.backend, networks: [], containers: [], error: (err as Error).message };
  }
}

/** the same row if it still exists, else the row now at its old position; the first container on a first load */
function keepSelection(key: string | null, before: TreeRow[], after: TreeRow[]): string | null {
  if (key && after.some((r) => r.key === key)) return key;
  if (key) {
    const at = before.findIndex((r) => r.key === key);
    return after[Math.min(Math.max(at, 0), after.length - 1)]?.key ?? null;
  }
  return (after.find((r) => r.kind === 'container') ?? after[0])?.key ?? null;
}
