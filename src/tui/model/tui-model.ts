import { CaptureModel, type CaptureService, type CaptureTarget } from './capture-model.js';
import { DnsModel, type DnsLogSource } from './dns-model.js';
import { DoctorModel, type DoctorRunner } from './doctor-model.js';
import { InventoryModel } from './inventory-model.js';
import { PerfModel, type PerfRunner } from './perf-model.js';
import { addressNames, captureInterfaces } from './tree.js';
import { createUiStore } from './ui-model.js';
import type { InventoryProvider } from '../../diag/inventory/types.js';

/** Everything the TUI calls outside itself: the CLI's own functions (services.ts) or recordings (tests). */
export interface TuiServices {
  inventories: InventoryProvider[];
  doctor: DoctorRunner;
  perf: PerfRunner;
  capture: CaptureService;
  dnsLog: DnsLogSource;
}

export interface TuiModelOptions {
  refreshMs?: number;
  renderEveryMs?: number;
}

/**
 * The whole TUI without a screen (termshark's split): the tree, the doctor,
 * perf, the capture and the DNS log as models that can be driven and read by
 * tests; the Ink views only draw them and turn keys into calls.
 */
export class TuiModel {
  readonly ui = createUiStore();
  readonly inventory: InventoryModel;
  readonly doctor: DoctorModel;
  readonly perf: PerfModel;
  readonly capture: CaptureModel;
  readonly dns: DnsModel;

  constructor(services: TuiServices, opts: TuiModelOptions = {}) {
    this.inventory = new InventoryModel(services.inventories, opts.refreshMs);
    this.doctor = new DoctorModel(services.doctor);
    this.perf = new PerfModel(services.perf, { renderEveryMs: opts.renderEveryMs });
    this.capture = new CaptureModel(services.capture, () => addressNames(this.inventory.store.get().snapshots), { renderEveryMs: opts.renderEveryMs });
    this.dns = new DnsModel(services.dnsLog, { renderEveryMs: opts.renderEveryMs });
  }

  async start(): Promise<void> {
    this.dns.start();
    await this.inventory.start();
  }

  /** what a capture on the selected row opens, or why there is nothing to open */
  captureTargetOfSelection(): CaptureTarget | string {
    const row = this.inventory.selected();
    if (!row) return 'select a network or a container first';
    const interfaces = captureInterfaces(row);
    if (typeof interfaces === 'string') return interfaces;
    return { label: row.kind === 'container' ? row.container.name : row.kind === 'network' ? `network ${row.name}` : row.backend, interfaces };
  }

  async close(): Promise<void> {
    this.inventory.stop();
    this.dns.stop();
    await Promise.all([this.capture.stop(), this.perf.stop()]);
  }
}
