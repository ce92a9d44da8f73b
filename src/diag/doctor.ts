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
    const results: CheckResult[] = [];
    const byId = new Map<string, CheckResult>();
    for (const check of o.checks) {
      const started = performance.now();
      let result: CheckResult;
      const failedDep = (check.after ?? []).map((id) => byId.get(id)).find((r) => r && r.status === 'fail');
      const notApplicable = failedDep ? null : check.applies ? await check.applies(ctx) : null;
      if (failedDep) result = { id: check.id, title: check.title, ms: 0, ...skip(`skipped: ${failedDep.id} failed`) };
      else if (notApplicable) result = { id: check.id, title: check.title, ms: 0, ...skip(notApplicable) };
      else {
        try {
          const facts = await check.gather(ctx);
          result = { id: check.id, title: check.title, ms: 0, ...check.judge(facts), ...(o.keepFacts ? { facts } : {}) };
        } catch (err) {
          result = { id: check.id, title: check.title, ms: 0, ...skip(`could not gather facts: ${(err as Error).message}`) };
        }
      }
      result.ms = performance.now() - started;
      results.push(result);
      byId.set(check.id, result);
      o.onResult?.(result);
    }
    const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
    for (const r of results) counts[r.status]++;
    return { from: o.fromName, to: o.toName, port: ctx.target.port, backend: o.inventory.backend, checks: results, counts, ms: performance.now() - t0 };
  } finally {
    ctx.close();
  }
}

/** `--check REGEX` selects checks by id; a leading `!` excludes them instead. */
export function selectChecks(all: Check<any>[], pattern: string | undefined): Check<any>[] {
  if (!pattern) return all;
  const exclude = pattern.startsWith('!');
  const re = new RegExp(exclude ? pattern.slice(1) : pattern);
  return all.filter((c) => re.test(c.id) !== exclude);
}
