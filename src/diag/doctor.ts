import type { Check, CheckResult, Status } from './check.js';
import type { PathPicture } from './checks/path/checks.js';
import { AgentPool, startAgentsEarly } from './agents.js';
import { engineInventories, pickInventory, type BackendChoice } from './inventory/select.js';
import type { InventoryProvider } from './inventory/types.js';
import type { CurrentProject } from './inventory/compose-project.js';
import type { ServicePick } from './inventory/service-names.js';
import { loadTarget } from './target.js';
import { UsageError } from '../netcore/errors.js';
import type { HostRef } from '../netcore/host.js';
import { trace } from '../netcore/kernel/trace.js';

/** Where the two containers are looked up: a backend already at hand, or the one `--backend` picks. */
export type DoctorSource =
  | { inventory: InventoryProvider }
  | { backend: BackendChoice; host: HostRef; env: NodeJS.ProcessEnv };

export type DoctorRequest = DoctorSource & {
  fromName: string;
  toName: string;
  port?: number | null;
  /** the compose project FROM and TO name services of first (--project, COMPOSE_PROJECT_NAME, the compose file here) */
  project?: CurrentProject | null;
  /** the checks to run (default: every check, in report order) */
  checks?: Check<any>[];
  /** `--check REGEX` over them (a leading ! excludes); a pattern that matches none is a UsageError */
  select?: string;
  swarm?: boolean;
  /** called as each check finishes, for live progress */
  onResult?: (r: CheckResult) => void;
  /** keep each check's facts in the results (for --json and fixtures) */
  keepFacts?: boolean;
};

export interface DoctorReport {
  from: string;
  to: string;
  port: number | null;
  backend: string;
  checks: CheckResult[];
  counts: Record<Status, number>;
  ms: number;
  /** the packet's way between the two, hop by hop, when the path checks ran on a bridge network */
  path?: PathPicture | null;
  /** the compose services FROM and TO were given as (from, to: the containers taken), when either was */
  services?: { from: ServicePick | null; to: ServicePick | null };
  /** what the backend's host side does not let the doctor probe, and why (rootless Podman); its checks are skipped with it */
  unprobed?: string;
}

/**
 * One doctor run, start to end: the probe agents start while the backend is
 * picked and its inventory read (an agent's start, when one is needed, is
 * most of a run), the checks' modules compile while the engine answers (on a
 * 2-core machine the wait for dockerd is free time), then every check runs
 * and every probe is closed, also on failure.
 */
export async function runDoctor(o: DoctorRequest): Promise<DoctorReport> {
  const t0 = performance.now();
  trace('doctor: start');
  const loaded = Promise.all([import('./run-checks.js'), o.checks ? null : import('./checks/index.js')]);
  loaded.catch(() => undefined);
  const names: [string, string] = [o.fromName, o.toName];
  const agents = new AgentPool();
  try {
    const early = startEarly(o, agents, names);
    const inventory = 'inventory' in o ? o.inventory : await pickInventory(o.backend, o.host, o.env, names);
    trace('doctor: backend picked');
    const target = loadTarget({ inventory, fromName: o.fromName, toName: o.toName, port: o.port, project: o.project });
    target.catch(() => undefined);
    const [[{ runChecks }, index]] = await Promise.all([loaded, early]);
    trace('doctor: checks loaded');
    const checks = selectChecks(o.checks ?? index!.ALL_CHECKS, o.select);
    if (!checks.length) throw new UsageError(`--check ${o.select} matches no check`);
    const report = await runChecks({
      target: await target, inventory, checks, agents, swarm: o.swarm ?? false, keepFacts: o.keepFacts ?? false, onResult: o.onResult, t0,
    });
    return report;
  } finally {
    agents.close();
  }
}

/** An engine (Docker, Podman) can place the two namespaces in one request each: their agents start before the backend is even picked. */
function startEarly(o: DoctorRequest, agents: AgentPool, names: [string, string]): Promise<void> {
  if ('inventory' in o) return startAgentsEarly(agents, o.inventory, names);
  const engine = engineInventories(o.backend, o.host, o.env)[0];
  return engine ? startAgentsEarly(agents, engine, names) : Promise.resolve();
}

/** `--check REGEX` selects checks by id; a leading `!` excludes them instead. */
export function selectChecks(all: Check<any>[], pattern: string | undefined): Check<any>[] {
  if (!pattern) return all;
  const exclude = pattern.startsWith('!');
  const re = new RegExp(exclude ? pattern.slice(1) : pattern);
  return all.filter((c) => re.test(c.id) !== exclude);
}
