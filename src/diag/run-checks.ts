import type { Check, CheckResult, Status } from './check.js';
import { skip } from './check.js';
import { markConsequences } from './consequences.js';
import { missingCapabilities } from '../netcore/kernel/capabilities.js';
import { pathPicture } from './checks/path/checks.js';
import type { AgentPool } from './agents.js';
import { DoctorContext, type DoctorTarget } from './context.js';
import type { DoctorReport } from './doctor.js';
import type { InventoryProvider } from './inventory/types.js';
import { trace } from '../netcore/kernel/trace.js';
import { notProbed, stillApplies } from './unprobed.js';

export interface CheckRun {
  target: DoctorTarget;
  inventory: InventoryProvider;
  checks: Check<any>[];
  /** the run's probes (runDoctor starts some early and closes them all) */
  agents: AgentPool;
  swarm: boolean;
  keepFacts: boolean;
  onResult?: (r: CheckResult) => void;
  /** when the run started (the report's ms) */
  t0: number;
}

/**
 * Runs the checks of one doctor run (see runDoctor in doctor.ts, which loads
 * this module while the backend answers).
 */
export async function runChecks(o: CheckRun): Promise<DoctorReport> {
  // asked beside the checks (Podman's /info takes ~0.3 s): a host-side check waits for it, not the run
  const unprobedAnswer = (o.inventory.unprobed?.() ?? Promise.resolve(null)).catch(() => null);
  const ctx = new DoctorContext(o.target, o.inventory, { swarm: o.swarm }, o.agents);
  ctx.warmUp();
  // Every check gathers at once; one waits only for the checks named in its `after`.
  // Results are reported in list order, so the progress reads the same every run.
  const pending = new Map<string, Promise<CheckResult>>();
  for (const check of o.checks) {
    const done = stillApplies(check) ? runOne(check, ctx, pending, o.keepFacts)
      : unprobedAnswer.then((u) => (u ? { id: check.id, title: check.title, ms: 0, ...notProbed() } : runOne(check, ctx, pending, o.keepFacts)));
    done.then((r) => trace(`check ${r.id} ${r.status} (${r.ms.toFixed(0)} ms)`), () => undefined);
    pending.set(check.id, done);
  }
  const raw: CheckResult[] = [];
  for (const check of o.checks) {
    const r = await pending.get(check.id)!;
    raw.push(r);
    o.onResult?.(r);
  }
  // live progress shows each check's own verdict; the report, what follows from what
  const results = markConsequences(raw, o.checks);
  const unprobed = await unprobedAnswer;
  // the path's hops are the host's side: not drawn from a namespace that is not theirs
  const path = unprobed ? null : await pathPicture(ctx, results);
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  trace('doctor: all checks done');
  const { fromName, toName, services } = o.target;
  return {
    from: fromName, to: toName, port: await ctx.reportedPort(), backend: o.inventory.backend, checks: results, counts, ms: performance.now() - o.t0, path,
    ...(services ? { services } : {}), ...(unprobed ? { unprobed } : {}),
  };
}

/** Without root most readings are refused (a namespace, iptables-save, the agent's start): say so, so a user knows why the check was skipped. */
function privilegeHint(): string {
  const missing = missingCapabilities(['NET_ADMIN', 'SYS_ADMIN']);
  return missing.length ? ` (this check needs root: ${missing.map((c) => `CAP_${c}`).join(' and ')})` : '';
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
    return { ...base, ms: performance.now() - started, ...skip(`could not gather facts: ${(err as Error).message}${privilegeHint()}`) };
  }
}
