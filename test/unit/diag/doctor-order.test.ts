import { describe, expect, it } from 'vitest';
import { fail, pass, type Check } from '../../../src/diag/check.js';
import { runDoctor } from '../../../src/diag/doctor.js';
import type { InventoryProvider } from '../../../src/diag/inventory/types.js';

const inventory: InventoryProvider = {
  backend: 'native', hostNetns: null,
  available: async () => true, listContainers: async () => [], listNetworks: async () => [],
};

const check = (id: string, status: 'pass' | 'fail', after?: string[]): Check<null> => ({
  id, title: id, after, gather: async () => null, judge: () => (status === 'pass' ? pass(`${id} ok`) : fail(`${id} broken`, [], null)),
});

describe('runDoctor', () => {
  it('skips a check whose dependency failed, also when the dependency stands later in the list', async () => {
    const report = await runDoctor({
      inventory, fromName: 'web', toName: 'db',
      checks: [check('early', 'pass', ['late']), check('late', 'fail'), check('after-late', 'pass', ['late'])],
    });
    expect(report.checks.map((c) => [c.id, c.status, c.summary])).toEqual([
      ['early', 'skip', 'skipped: late failed'], ['late', 'fail', 'late broken'], ['after-late', 'skip', 'skipped: late failed'],
    ]);
  });
});
