import type { Check, CheckResult } from './check.js';

/**
 * A report names causes, not symptoms. The cause among failed checks that
 * judge the packet's path is the one earliest on it (`at`); every other
 * failure that the checks declare to follow from it (`consequenceOf`), and
 * every later failure on the path, is reported as "because of <cause>" with
 * status skip, keeping its evidence. A warning that follows from a cause is
 * marked the same way (a probe may only half fail behind a broken hop).
 */
export function markConsequences(results: CheckResult[], checks: readonly Check<any>[]): CheckResult[] {
  const failed = results.filter((r) => r.status === 'fail');
  const onPath = failed.filter((r) => r.at !== undefined).sort((a, b) => a.at! - b.at!);
  const consequenceOf = new Map(checks.map((c) => [c.id, new Set(c.consequenceOf ?? [])]));
  const failedIds = new Set(failed.map((r) => r.id));
  return results.map((r) => {
    if (r.status !== 'fail' && r.status !== 'warn') return r;
    const cause = r.at !== undefined && onPath[0] && onPath[0] !== r && onPath[0].at! < r.at
      ? onPath[0]!
      : [...(consequenceOf.get(r.id) ?? [])].filter((id) => failedIds.has(id)).map((id) => failed.find((x) => x.id === id)!)
        .sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity))[0];
    if (!cause || cause === r) return r;
    return { ...r, status: 'skip', because: cause.id, summary: `because of ${cause.id}: ${r.summary}`, fix: null };
  });
}
