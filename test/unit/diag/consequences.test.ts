import { describe, expect, it } from 'vitest';
import type { Check, CheckResult, Status } from '../../../src/diag/check.js';
import { markConsequences } from '../../../src/diag/consequences.js';

const result = (id: string, status: Status, at?: number): CheckResult => ({ id, title: id, status, summary: `${id} says so`, evidence: ['seen'], fix: `fix ${id}`, ms: 1, ...(at !== undefined ? { at } : {}) });
const check = (id: string, consequenceOf?: string[]): Check => ({ id, title: id, consequenceOf, gather: async () => null, judge: () => ({ status: 'pass', summary: '', evidence: [], fix: null }) });

const CHECKS = [check('link.master'), check('route.missing'), check('fw.rule-drop'), check('reach.tcp', ['link.master', 'route.missing', 'fw.rule-drop']), check('app.listen')];

describe('a report names causes, not symptoms', () => {
  it('a probe failing because of a broken hop is marked, keeps its evidence and loses its fix', () => {
    const out = markConsequences([result('link.master', 'fail', 4), result('reach.tcp', 'fail')], CHECKS);
    expect(out[0]).toMatchObject({ status: 'fail', fix: 'fix link.master' });
    expect(out[0]!.because).toBeUndefined();
    expect(out[1]).toMatchObject({ status: 'skip', because: 'link.master', summary: 'because of link.master: reach.tcp says so', evidence: ['seen'], fix: null });
  });

  it('of two hops on the path the earlier is the cause, the later follows from it', () => {
    const out = markConsequences([result('link.master', 'fail', 4), result('route.missing', 'fail', 7)], CHECKS);
    expect(out.map((r) => [r.id, r.status, r.because])).toEqual([['link.master', 'fail', undefined], ['route.missing', 'skip', 'link.master']]);
  });

  it('the consequence names the earliest of its causes on the path', () => {
    const out = markConsequences([result('route.missing', 'fail', 7), result('fw.rule-drop', 'fail'), result('link.master', 'fail', 2), result('reach.tcp', 'fail')], CHECKS);
    expect(out.find((r) => r.id === 'reach.tcp')?.because).toBe('link.master');
    expect(out.find((r) => r.id === 'fw.rule-drop')?.status).toBe('fail');
  });

  it('a failure nothing explains stays a failure; a warning no failure explains stays a warning', () => {
    const out = markConsequences([result('link.master', 'warn', 4), result('reach.tcp', 'fail'), result('app.listen', 'fail')], CHECKS);
    expect(out.map((r) => r.status)).toEqual(['warn', 'fail', 'fail']);
  });

  it('a warning that follows from a cause is marked too', () => {
    const out = markConsequences([result('link.master', 'fail', 4), result('reach.tcp', 'warn')], CHECKS);
    expect(out[1]).toMatchObject({ status: 'skip', because: 'link.master' });
  });
});
