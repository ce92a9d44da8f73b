import { OperationError } from '../errors.js';
import { run, runNow, type Where } from './exec.js';

/**
 * What the kernel readers run when netlink cannot be used (no addon, or
 * TSDIAG_NATIVE=-netlink): an iproute2 tool's JSON output (`ip -j`, `bridge -j`).
 * A tool that fails, or a namespace that cannot be entered, throws, as a
 * netlink reading there does.
 */
const IP_TIMEOUT_MS = 5_000;

function parsed<T>(stdout: string, what: string): T[] {
  try {
    return JSON.parse(stdout || '[]') as T[];
  } catch (err) {
    throw new OperationError(`${what}: output is not JSON`, { cause: err });
  }
}

export async function ipJson<T>(args: string[], at: Where = {}, tool = 'ip'): Promise<T[]> {
  const res = await run(tool, ['-j', ...args], { netns: at.netns ?? null, netnsPath: at.netnsPath ?? null, timeoutMs: IP_TIMEOUT_MS });
  return parsed<T>(res.stdout, `${tool} -j ${args.join(' ')}`);
}

/** ipJson() synchronously, in this process's own namespace. */
export function ipJsonNow<T>(args: string[]): T[] {
  return parsed<T>(runNow('ip', ['-j', ...args], { timeoutMs: IP_TIMEOUT_MS }), `ip -j ${args.join(' ')}`);
}
