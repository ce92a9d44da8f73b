import { ALL_CHECKS } from '../diag/checks/index.js';
import { runDoctor } from '../diag/doctor.js';
import { NativeInventory } from '../diag/inventory/native.js';
import { engineInventories, type BackendChoice } from '../diag/inventory/select.js';
import type { InventoryProvider } from '../diag/inventory/types.js';
import { followQueryLog, queryLogFile } from '../dns/log-follow.js';
import { filterError } from '../capture/live/filter-check.js';
import { startLineCapture, writeCapturedPackets } from '../capture/live/line-capture.js';
import type { HostRef } from '../netcore/host.js';
import { runPerf } from '../perf/run.js';
import type { TuiServices } from './model/tui-model.js';

/** The backends the tree shows: --backend native|docker|podman, or all there are (auto: Podman when it has a socket to try). */
export function inventoriesFor(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv): InventoryProvider[] {
  const out: InventoryProvider[] = [];
  if (choice === 'native' || choice === 'auto') out.push(new NativeInventory(host));
  out.push(...engineInventories(choice, host, env));
  return out;
}

/** The TUI wired to the calls the CLI makes: inventory, runDoctor with every check, runPerf, live capture, the DNS query log. */
export function liveServices(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv): TuiServices {
  const inventories = inventoriesFor(choice, host, env);
  const logFile = queryLogFile(host);
  return {
    inventories,
    doctor: {
      checks: ALL_CHECKS.map((c) => ({ id: c.id, title: c.title })),
      run: ({ backend, from, to, port, onResult }) => {
        const inventory = inventories.find((i) => i.backend === backend);
        if (!inventory) throw new Error(`no ${backend} backend`);
        return runDoctor({ inventory, fromName: from, toName: to, port, onResult });
      },
    },
    perf: {
      run: ({ backend, from, to, onSample, onProgress, signal }) => runPerf({ backend, host, env, fromName: from, toName: to, onSample, onProgress, signal }),
    },
    capture: { filterError: (f) => filterError(f), start: startLineCapture, write: writeCapturedPackets },
    dnsLog: { where: logFile, follow: (onRecords) => followQueryLog(logFile, onRecords) },
  };
}
