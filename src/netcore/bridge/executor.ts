import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from '../kernel/exec.js';
import { OperationError } from '../errors.js';
import { syncFirewall } from './firewall/apply.js';
import { killNetnsProcesses } from '../kernel/processes.js';
import { readSysctlsNow } from '../kernel/inspect.js';
import { writeState } from './state/store.js';
import type { HostRef } from '../host.js';
import type { Action, Step } from './steps.js';

export interface ApplyOptions {
  host: HostRef;
  /** inject a failure before step k (0-based): tests prove that every prefix rolls back */
  failAtStep?: number | null;
  /** test hook: stop before step k and wait (to be killed -9 half way) */
  pauseAtStep?: number | null;
  /** teardown: try every step, ignore the ones whose object is already gone, undo nothing */
  bestEffort?: boolean;
}

/** Thrown by failure injection; carries no kernel message. */
export class InjectedFailure extends OperationError {}

type IpAction = Extract<Action, { type: 'ip' }>;
type SysctlAction = Extract<Action, { type: 'sysctl' }>;

async function runIpBatch(netns: string | null, lines: string[][], force: boolean): Promise<void> {
  const args = [...(netns ? ['-n', netns] : []), ...(force ? ['-force'] : []), '-batch', '-'];
  await run('ip', args, { input: lines.map((l) => l.join(' ')).join('\n') + '\n', reject: !force });
}

/**
 * One `sysctl` process for the keys not at their value already (read without
 * a process: the host's forwarding after its first network, a new bridge's
 * disable_ipv6 where the default is 0, cost a process per network otherwise).
 */
async function writeSysctls(netns: string | null, list: SysctlAction[], force: boolean): Promise<void> {
  const now = readSysctlsNow(netns, list.map((a) => a.key));
  const todo = now ? list.filter((a, i) => now[i] !== a.value) : list;
  if (!todo.length) return;
  await run('sysctl', ['-q', '-w', ...todo.map((a) => `${a.key}=${a.value}`)], { netns, reject: !force });
}

async function runAction(a: Action, host: HostRef, bestEffort: boolean): Promise<void> {
  switch (a.type) {
    case 'ip':
      return runIpBatch(a.netns, [a.args], bestEffort);
    case 'netns-add':
      await run('ip', ['netns', 'add', a.name]);
      return;
    case 'netns-del':
      await run('ip', ['netns', 'del', a.name], { reject: !bestEffort });
      return;
    case 'write-file':
      await fs.mkdir(path.dirname(a.path), { recursive: true });
      await fs.writeFile(a.path, a.content);
      return;
    case 'remove-path':
      await fs.rm(a.path, { recursive: true, force: true });
      return;
    case 'sysctl':
      return writeSysctls(a.netns, [a], bestEffort);
    case 'firewall':
      return syncFirewall(a.netns, a.state, { ipv6: a.ipv6 ?? false });
    case 'kill-netns-processes':
      await killNetnsProcesses(a.name);
      return;
    case 'write-state':
      return writeState(host, a.state);
  }
}

/** Consecutive `ip` (or `sysctl`) actions in one namespace become one `ip -batch` (or `sysctl`) process. */
function groupRuns(steps: Step[], from: number, to: number): Array<{ start: number; end: number }> {
  const groups: Array<{ start: number; end: number }> = [];
  let i = from;
  while (i < to) {
    let j = i + 1;
    const a = steps[i]!.do;
    if (a.type === 'ip' || a.type === 'sysctl') {
      const same = (b: Action) => b.type === a.type && (b as IpAction | SysctlAction).netns === a.netns;
      while (j < to && same(steps[j]!.do)) j++;
    }
    groups.push({ start: i, end: j });
    i = j;
  }
  return groups;
}

/** Undoes steps [0, upTo) in reverse order, best effort: every undo is tried. */
async function rollback(steps: Step[], upTo: number, host: HostRef): Promise<void> {
  for (let i = upTo - 1; i >= 0; i--) {
    const undo = steps[i]!.undo;
    if (!undo) continue;
    try {
      await runAction(undo, host, true);
    } catch {
      // keep undoing the rest: a half rollback is worse than a noisy one
    }
  }
}

export async function applySteps(steps: Step[], opts: ApplyOptions): Promise<void> {
  if (opts.bestEffort) return applyTeardown(steps, opts.host);
  const failAt = opts.failAtStep ?? null;
  const limit = failAt !== null && failAt < steps.length ? failAt : steps.length;
  let applied = 0;
  try {
    const pause = opts.pauseAtStep ?? null;
    for (const g of groupRuns(steps, 0, limit)) {
      if (pause !== null && pause >= g.start && pause < g.end) {
        if (pause > g.start) {
          await applyGroup(steps, { start: g.start, end: pause }, opts.host);
          applied = pause;
        }
        process.stderr.write(`tsdiag: paused before step ${pause}: ${steps[pause]!.what}\n`);
        await new Promise(() => undefined);
      }
      // a failed batch may have applied some of its lines: count them all as applied, undo is idempotent
      applied = g.end;
      await applyGroup(steps, g, opts.host);
    }
    if (limit < steps.length) throw new InjectedFailure(`injected failure before step ${limit}: ${steps[limit]!.what}`);
  } catch (err) {
    await rollback(steps, applied, opts.host);
    throw err;
  }
}

/**
 * Teardown: every step tried, the ones whose object is already gone ignored;
 * the firewall and the state must succeed. The firewall commit runs beside the
 * kernel steps rather than after them: both mostly wait out RCU grace periods
 * (a deleted rule, a deleted bridge's unregister), and nothing orders them
 * (rules name interfaces, present or not). The state is written last.
 */
async function applyTeardown(steps: Step[], host: HostRef): Promise<void> {
  const last = (s: Step) => s.do.type === 'write-state';
  const kernel = (async () => {
    for (const s of steps) if (s.do.type !== 'firewall' && !last(s)) await runAction(s.do, host, true).catch(() => undefined);
  })();
  const firewall = Promise.all(steps.filter((s) => s.do.type === 'firewall').map((s) => runAction(s.do, host, true)));
  const [, fw] = await Promise.allSettled([kernel, firewall]);
  if (fw.status === 'rejected') throw fw.reason;
  for (const s of steps.filter(last)) await runAction(s.do, host, true);
}

async function applyGroup(steps: Step[], g: { start: number; end: number }, host: HostRef): Promise<void> {
  const first = steps[g.start]!.do;
  if (first.type === 'ip') {
    await runIpBatch(first.netns, steps.slice(g.start, g.end).map((s) => (s.do as IpAction).args), false);
  } else if (first.type === 'sysctl') {
    await writeSysctls(first.netns, steps.slice(g.start, g.end).map((s) => s.do as SysctlAction), false);
  } else {
    for (let i = g.start; i < g.end; i++) await runAction(steps[i]!.do, host, false);
  }
}

