import { render } from 'ink-testing-library';
import type { InventoryProvider } from '../../src/diag/inventory/types.js';
import type { TreeRow } from '../../src/tui/model/tree.js';
import { TuiModel } from '../../src/tui/model/tui-model.js';
import { App } from '../../src/tui/views/App.js';
import { fakeServices, tick } from '../unit/tui/fakes.js';

/**
 * The TUI's model over live inventories (real engines, tsdiag's own), its
 * tree rows by key and the rendered screen: shared by the engines' TUI tree tests.
 */
export class LiveTree {
  private constructor(readonly model: TuiModel) {}

  /** The model started (its first refresh done) over these inventories; no refresh after that within a test. */
  static async start(inventories: InventoryProvider[]): Promise<LiveTree> {
    const model = new TuiModel(fakeServices({ inventories }).services, { refreshMs: 60_000, renderEveryMs: 10 });
    await model.start();
    return new LiveTree(model);
  }

  rows(): TreeRow[] {
    return this.model.inventory.store.get().rows;
  }

  row(key: string): TreeRow {
    const found = this.rows().find((r) => r.key === key);
    if (!found) throw new Error(`no row ${key} in the tree:\n${this.rows().map((r) => r.key).join('\n')}`);
    return found;
  }

  indexOf(key: string): number {
    return this.rows().findIndex((r) => r.key === key);
  }

  /** The rendered app's screen with the row KEY selected. */
  async frameWithSelected(key: string): Promise<string> {
    const app = render(<App model={this.model} onQuit={() => undefined} captureFile={() => '/tmp/x.pcap'} />);
    try {
      this.model.inventory.selectKey(key);
      await tick(100);
      return app.lastFrame() ?? '';
    } finally {
      app.unmount();
    }
  }

  close(): Promise<void> {
    return this.model.close();
  }
}
