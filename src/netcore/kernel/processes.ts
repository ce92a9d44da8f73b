import fs from 'node:fs/promises';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { netnsPathOf } from './exec.js';

/** Pids of every process whose network namespace is the named one (what `ip netns pids` does). */
export async function netnsPids(name: string): Promise<number[]> {
  let ino: number;
  try {
    ino = (await fs.stat(netnsPathOf(name))).ino;
  } catch {
    return [];
  }
  const want = `net:[${ino}]`;
  const pids: number[] = [];
  // synchronous on purpose: a few hundred readlinks take ~1 ms, their promises ~15 ms
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === want) pids.push(Number(entry));
    } catch {
      // the process ended, or is a kernel thread
    }
  }
  return pids;
}

/** A process that exists and is not a zombie (a killed child nobody reaped yet counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period, for every process in the namespace. */
export async function killNetnsProcesses(name: string, graceMs = 2000): Promise<void> {
  let pids = await netnsPids(name);
  if (pids.length === 0) return;
  for (const pid of pids) safeKill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    pids = pids.filter(isAlive);
    if (pids.length === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const pid of pids) safeKill(pid, 'SIGKILL');
}

function safeKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
