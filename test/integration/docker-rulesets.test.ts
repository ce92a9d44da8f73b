import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerLayoutReport } from '../../src/diag/checks/firewall/docker-layouts.js';
import { parseIptablesCounters } from '../../src/netcore/kernel/inspect.js';
import { loadRuleset, rulesetFixtures } from '../helpers/docker-rulesets.js';

// Each fixture loaded into a fresh namespace of this test's own (a table once made stays listed, empty, in
// iptables-legacy-save), read back as the doctor reads a host, judged by the layout model.
const NS = `trules${process.pid.toString(36)}`;
const inNs = async (cmd: string[]) => String((await execa('ip', ['netns', 'exec', NS, ...cmd])).stdout);

describe('Docker rulesets loaded into a namespace', () => {
  beforeEach(async () => {
    await execa('ip', ['netns', 'add', NS]);
  });
  afterEach(async () => {
    await execa('ip', ['netns', 'del', NS], { reject: false });
  });

  for (const f of rulesetFixtures()) {
    const backends = f.format === 'nft' ? ['nft'] as const : ['nft', 'legacy'] as const;
    for (const backend of backends) {
      it(`${f.version}/${f.scenario}.${f.format}${f.format === 'iptables' ? ` (iptables-${backend})` : ''}: the live ruleset is ${f.layout}, nothing missing`, async () => {
        const unload = await loadRuleset(NS, f, backend);
        try {
          const fw = f.format === 'nft'
            ? { iptables: null, nft: await inNs(['nft', 'list', 'ruleset']) }
            : { iptables: parseIptablesCounters(await inNs([`iptables-${backend}-save`, '-c'])), nft: null };
          const report = dockerLayoutReport(fw);
          expect(report?.layout).toBe(f.layout);
          expect(report!.missing.map((m) => m.text)).toEqual([]);
        } finally {
          await unload();
        }
        const left = f.format === 'nft' ? await inNs(['nft', 'list', 'ruleset']) : await inNs([`iptables-${backend}-save`]);
        expect(left).not.toMatch(/DOCKER|docker-bridges/);
      });
    }
  }
});
