import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpdumpLines, tsdiagLines } from './oracle.js';

/**
 * The oracle: every fixture printed by tsdiag and by the local tcpdump with
 * the same options, line by line. Expected text always comes from tcpdump.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/pcap');
const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')).sort();
const OPTION_SETS: string[][] = [[], ['-e'], ['-t'], ['-tt'], ['-ttt'], ['-tttt'], ['-ttttt'], ['-e', '-ttt'], ['-v'], ['-v', '-e', '-tt'], ['-vv'], ['-vvv'], ['-vv', '-e']];

describe('printing saved files like tcpdump -n -r', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThanOrEqual(6));
  for (const file of files) {
    for (const flags of OPTION_SETS) {
      it(`${file} ${flags.join(' ') || '(no options)'}`, async () => {
        const full = path.join(FIXTURES, file);
        const expected = tcpdumpLines(full, flags);
        expect(expected.length).toBeGreaterThan(0);
        expect(await tsdiagLines(full, flags)).toEqual(expected);
      });
    }
  }
});

