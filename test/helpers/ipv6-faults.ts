import { expect } from 'vitest';
import { checkIn, failingIds } from './docker-cli.js';
import { inEngineHost, runHostFix, type Cleanup, type EngineHost } from './docker-faults.js';
import type { DoctorJson } from './lab.js';

/** The pair a fault is put between: names and IPv6 addresses on their shared network. */
export interface Ipv6Pair {
  web: string;
  db: string;
  web6: string;
  db6: string;
}

/**
 * Fault of issue #15 on an engine: `ip6tables -I CHAIN -s WEB6 -d DB6 -j DROP`
 * in its host. fw.rule-drop alone must fail, say IPv4 still answers, name the
 * rule as ip6tables' and delete it with the fix it prints (run here; the
 * caller checks the pair is healthy again).
 */
export async function ip6DropNamedAndFixed(engine: EngineHost, cleanup: Cleanup, chain: string, pair: Ipv6Pair,
  doctor: () => Promise<{ exitCode: number; report: DoctorJson }>): Promise<void> {
  const spec = [chain, '-s', `${pair.web6}/128`, '-d', `${pair.db6}/128`, '-j', 'DROP'];
  await inEngineHost(engine, 'ip6tables', ['-w', '-I', ...spec]);
  cleanup.add(() => inEngineHost(engine, 'ip6tables', ['-w', '-D', ...spec], { reject: false }));
  const { exitCode, report } = await doctor();
  expect(exitCode).toBe(1);
  expect(failingIds(report)).toEqual(['fw.rule-drop']);
  const c = checkIn(report, 'fw.rule-drop');
  expect(c.summary).toBe(`${pair.db} answers over IPv4 but not IPv6 (${pair.db6}): rule #1 of ip6tables filter ${chain} drops ${pair.web} -> ${pair.db}: `
    + `-A ${chain} -s ${pair.web6}/128 -d ${pair.db6}/128 -j DROP`);
  expect(c.fix).toBe(`ip netns exec ${engine.netns} ip6tables -D ${chain} 1`);
  // the probe failed only because of the rule: said so, not counted as a second failure
  expect(checkIn(report, 'reach.icmp')).toMatchObject({ status: 'skip', because: 'fw.rule-drop' });
  await runHostFix(engine, c.fix!);
}
