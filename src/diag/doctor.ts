import type { Check, CheckResult, Status } from './check.js';
import { skip } from './check.js';
import type { AgentPool } from './agents.js';
import { DoctorContext, type DoctorTarget } from './context.js';
import type { InventoryProvider } from './inventory/types.js';
import { loadTarget } from './target.js';
import { trace } from '../netcore/kernel/trace.js';

export interface DoctorOptions {
  inventory: InventoryProvider;
  checks: Check<any>[];
  fromName: string;
  toName: string;
  port?: number | null;
  swarm?: boolean;
  /** called as each check finishes, for live progress */
  onResult?: (r: CheckResult) => void;
  /** keep each check's facts in the results (for --json and fixtures) */
  keepFacts?: boolean;
  /** agents already started for this run (see startAgentsEarly); closed with the run */
  agents?: AgentPool;
  /** the two containers and the inventory, when the caller started reading them already (see loadTarget) */
  target?: Promise<DoctorTarget>;
}

export interface DoctorReport {
  from: string;
  to: string;
  port: number | null;
  backend: string;
  checks: CheckResult[];
  counts: Record<Status, number>;
  ms: number;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const t0 = performance.now();
  trace('doctor: start');
  const ctx = new DoctorContext(await (o.target ?? loadTarget(o)), o.inventory, { swarm: o.swarm }, o.agents);
  trace('doctor: inventory loaded');
  try {
    ctx.warmUp();
    // Every check gathers at once; one waits only for the checks named in its `after`.
    // Results are reported in list order, so the progress reads the same every run.
    const pending = new Map<string, Promise<CheckResult>>();
    for (const check of o.checks) {
      const done = runOne(check, ctx, pending, o.keepFacts ?? false);
      done.then((r) => trace(`check ${r.id} ${r.status} (${r.ms.toFixed(0)} ms)`), () => undefined);
      pending.set(check.id, done);
    }
    const results: CheckResult[] = [];
    for (const check of o.checks) {
      const r = await pending.get(check.id)!;
      results.push(r);
      o.onResult?.(r);
    }
    const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
    for (const r of results) counts[r.status]++;
    trace('doctor: all checks done');
    return { from: o.fromName, to: o.toName, port: await ctx.reportedPort(), backend: o.inventory.backend, checks: results, counts, ms: performance.now() - t0 };
  } finally {
    ctx.close();
  }
}

async function runOne(check: Check<any>, ctx: DoctorContext, all: Map<string, Promise<CheckResult>>, keepFacts: boolean): Promise<CheckResult> {
  await null; // every check is in `all` once the caller's loop has run: a dependency may stand later in the list
  const deps = await Promise.all((check.after ?? []).map((id) => all.get(id)).filter((p): p is Promise<CheckResult> => !!p));
  const started = performance.now();
  const base = { id: check.id, title: check.title };
  const failedDep = deps.find((r) => r.status === 'fail');
  if (failedDep) return { ...base, ms: 0, ...skip(`skipped: ${failedDep.id} failed`) };
  try {
    const notApplicable = check.applies ? await check.applies(ctx) : null;
    if (notApplicable) return { ...base, ms: performance.now() - started, ...skip(notApplicable) };
    const facts = await check.gather(ctx);
    return { ...base, ms: performance.now() - started, ...check.judge(facts), ...(keepFacts ? { facts } : {}) };
  } catch (err) {
    return { ...base, ms: performance.now() - started, ...skip(`could not gather facts: ${(err as Error).message}`) };
  }
}

/** `--check REGEX` selects checks by id; a leading `!` excludes them instead. */
export function selectChecks(all: Check<any>[], pattern: string | undefined): Check<any>[] {
  if (!pattern) return all;
  const exclude = pattern.startsWith('!');
  const re = new RegExp(exclude ? pattern.slice(1) : pattern);
  return all.filter((c) => re.test(c.id) !== exclude);
}
