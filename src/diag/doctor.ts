import type { Check, CheckResult, Status } from './check.js';
import { skip } from './check.js';
import { DoctorContext, type DoctorTarget } from './context.js';
import type { InventoryProvider } from './inventory/types.js';

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

async function loadTarget(o: DoctorOptions): Promise<DoctorTarget> {
  const [containers, networks] = await Promise.all([o.inventory.listContainers(), o.inventory.listNetworks()]);
  const find = (name: string) => containers.find((c) => c.name === name || c.id === name || (name.length >= 12 && c.id.startsWith(name))) ?? null;
  return { fromName: o.fromName, toName: o.toName, from: find(o.fromName), to: find(o.toName), containers, networks, port: o.port ?? null };
}

/** The port to test when none is given: the first one the peer publishes, else the lowest it listens on. */
async function defaultPort(ctx: DoctorContext): Promise<number | null> {
  const to = ctx.target.to;
  if (!to?.running) return null;
  if (to.published.length) return to.published[0]!.containerPort;
  const sockets = await ctx.agentIn(to).call('listening', {}).catch(() => []);
  const ports = sockets.filter((s) => s.proto.startsWith('tcp')).map((s) => s.port).sort((a, b) => a - b);
  return ports[0] ?? null;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const t0 = performance.now();
  const ctx = new DoctorContext(await loadTarget(o), o.inventory, { swarm: o.swarm });
  try {
    ctx.warmUp();
    if (ctx.target.port === null) ctx.target.port = await defaultPort(ctx);
    // Every check gathers at once; one waits only for the checks named in its `after`.
    // Results are reported in list order, so the progress reads the same every run.
    const pending = new Map<string, Promise<CheckResult>>();
    for (const check of o.checks) pending.set(check.id, runOne(check, ctx, pending, o.keepFacts ?? false));
    const results: CheckResult[] = [];
    for (const check of o.checks) {
      const r = await pending.get(check.id)!;
      results.push(r);
      o.onResult?.(r);
    }
    const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
    for (const r of results) counts[r.status]++;
    return { from: o.fromName, to: o.toName, port: ctx.target.port, backend: o.inventory.backend, checks: results, counts, ms: performance.now() - t0 };
  } finally {
    ctx.close();
  }
}

async function runOne(check: Check<any>, ctx: DoctorContext, all: Map<string, Promise<CheckResult>>, keepFacts: boolean): Promise<CheckResult> {
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
