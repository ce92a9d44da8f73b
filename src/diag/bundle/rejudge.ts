import type { Check, CheckResult, Status } from '../check.js';
import { markConsequences } from '../consequences.js';
import { drawPath, PATH_CHECKS, type PathCheckFacts } from '../checks/path/checks.js';
import type { DoctorReport } from '../doctor.js';

/** The files of a bundle that a report is judged again from. */
export const REPORT_FILE = 'report.json';
export const FACTS_FILE = 'facts.json';
export const FACTS_FORMAT = 'tsdiag-doctor-facts/1';

/** A check's line of report.json (renderJson's shape). */
export interface RecordedCheck {
  id: string;
  status: Status;
  summary: string;
  evidence: string[];
  fix: string | null;
  ms: number;
  because?: string;
}

export interface RecordedReport {
  from: string;
  to: string;
  port: number | null;
  backend: string;
  checks: RecordedCheck[];
  counts: Record<Status, number>;
  ms: number;
}

/** facts.json: the facts of every check that got as far as its judge (the others were skipped before it). */
export interface RecordedFacts {
  format: typeof FACTS_FORMAT;
  checks: Array<{ id: string; facts?: unknown }>;
}

export function factsOf(report: DoctorReport): RecordedFacts {
  return { format: FACTS_FORMAT, checks: report.checks.filter((r) => 'facts' in r).map((r) => ({ id: r.id, facts: r.facts })) };
}

/**
 * The report again, offline: each check's pure judge over the facts it
 * gathered, the consequences marked and the path drawn as a live run does. A
 * check with no recorded facts (skipped before judging) or unknown to this
 * version keeps its recorded verdict.
 */
export function rejudge(recorded: RecordedReport, facts: RecordedFacts, checks: readonly Check<any>[]): DoctorReport {
  const factsById = new Map(facts.checks.map((c) => [c.id, c]));
  const byId = new Map(checks.map((c) => [c.id, c]));
  const raw: CheckResult[] = recorded.checks.map((r) => {
    const check = byId.get(r.id);
    const f = factsById.get(r.id);
    const base = { id: r.id, title: check?.title ?? r.id, ms: r.ms };
    if (!check || !f) return { ...base, status: r.status, summary: r.summary, evidence: r.evidence, fix: r.fix, ...(r.because ? { because: r.because } : {}) };
    return { ...base, ...check.judge(f.facts), facts: f.facts };
  });
  const inOrder = recorded.checks.map((r) => byId.get(r.id)).filter((c): c is Check<any> => !!c);
  const results = markConsequences(raw, inOrder);
  const pathIds = new Set(PATH_CHECKS.map((c) => c.id));
  const pathFacts = facts.checks.find((c) => pathIds.has(c.id))?.facts as PathCheckFacts | undefined;
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  return {
    from: recorded.from, to: recorded.to, port: recorded.port, backend: recorded.backend, checks: results, counts, ms: recorded.ms,
    path: results.some((r) => pathIds.has(r.id)) ? drawPath(pathFacts ?? null, results) : null,
  };
}

/** Without the facts: what report.json and the command's --json (without --facts) carry. */
export function withoutFacts(report: DoctorReport): DoctorReport {
  return { ...report, checks: report.checks.map(({ facts: _facts, ...r }) => r) };
}
