import type { DoctorContext } from './context.js';

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface Verdict {
  status: Status;
  /** one line */
  summary: string;
  /** what was seen, one fact per line */
  evidence: string[];
  /** the exact command that fixes it (fail/warn), or null */
  fix: string | null;
  /** where on the packet's path the failure sits (the hop's index), for checks that judge hops: the earliest is the cause */
  at?: number;
}

/**
 * A check: an id from spec/faults.md, how to gather its facts (live, through
 * the context), and a pure verdict over those facts, so that a verdict can be
 * tested from recorded facts as well as live.
 */
export interface Check<F = unknown> {
  id: string;
  title: string;
  /** checks whose failure makes this one meaningless: it is skipped with the reason */
  after?: string[];
  /**
   * checks whose failure explains this one's: when one of them fails, this
   * check's own failure is reported as a consequence ("because of <id>"), not
   * as a second cause
   */
  consequenceOf?: readonly string[];
  /** false: not relevant here (e.g. swarm.ports without a swarm); reported as skip */
  applies?(ctx: DoctorContext): Promise<string | null>;
  gather(ctx: DoctorContext): Promise<F>;
  judge(facts: F): Verdict;
}

export const pass = (summary: string, evidence: string[] = []): Verdict => ({ status: 'pass', summary, evidence, fix: null });
export const fail = (summary: string, evidence: string[], fix: string | null): Verdict => ({ status: 'fail', summary, evidence, fix });
export const warn = (summary: string, evidence: string[], fix: string | null): Verdict => ({ status: 'warn', summary, evidence, fix });
export const skip = (summary: string, evidence: string[] = []): Verdict => ({ status: 'skip', summary, evidence, fix: null });

export interface CheckResult extends Verdict {
  id: string;
  title: string;
  ms: number;
  /** the facts the verdict was made from (for --json and for recording fixtures) */
  facts?: unknown;
  /** the check whose failure this one's follows from (its status is then skip) */
  because?: string;
}
