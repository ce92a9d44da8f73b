import os from 'node:os';
import { readNow } from './read-now.js';

/** One CPU's time in clock ticks since boot (/proc/stat): all of it, and the part spent in softirq. */
export interface CpuTicks {
  cpu: string;
  total: number;
  softirq: number;
}

/** Every CPU's ticks now ([] where /proc/stat cannot be read). The machine's, whatever namespace: softirq work is per CPU. */
export function readCpuTicks(): CpuTicks[] {
  const text = readNow('/proc/stat') ?? '';
  const out: CpuTicks[] = [];
  for (const line of text.split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user
    out.push({ cpu: m[1]!, total: f.slice(0, 8).reduce((a, b) => a + b, 0), softirq: f[6] ?? 0 });
  }
  return out;
}

export function cpuCount(): number {
  return os.availableParallelism();
}
