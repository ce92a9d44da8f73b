import fs from 'node:fs/promises';
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
  for (const entry of await fs.readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const link = await fs.readlink(`/proc/${entry}/ns/net`).catch(() => null);
    if (link === want) pids.push(Number(entry));
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
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
