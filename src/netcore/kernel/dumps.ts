import { run, type Where } from './exec.js';

/**
 * A namespace's network state as its own tools print it, for a person to read
 * (a support bundle): never parsed. The readers the checks use (links.ts,
 * routes.ts, ...) stay the one source of facts; this is the raw picture
 * beside them. Fixed argument lists, nothing of the caller's reaches them.
 */
export interface Dump {
  /** the file it is kept in */
  file: string;
  cmd: string;
  args: string[];
}

/** Every namespace involved: the host's and each container's. */
export const NAMESPACE_DUMPS: readonly Dump[] = [
  { file: 'links.txt', cmd: 'ip', args: ['-d', '-s', 'link', 'show'] },
  { file: 'addresses.txt', cmd: 'ip', args: ['addr', 'show'] },
  { file: 'routes.txt', cmd: 'ip', args: ['route', 'show', 'table', 'all'] },
  { file: 'neighbours.txt', cmd: 'ip', args: ['neigh', 'show'] },
];

/** The host's firewall, in both iptables backends and as nftables holds it. */
export const RULESET_DUMPS: readonly Dump[] = [
  { file: 'iptables-nft-save.txt', cmd: 'iptables-nft-save', args: ['-c'] },
  { file: 'iptables-legacy-save.txt', cmd: 'iptables-legacy-save', args: ['-c'] },
  { file: 'nft-ruleset.txt', cmd: 'nft', args: ['-a', 'list', 'ruleset'] },
];

const DUMP_TIMEOUT_MS = 10_000;

/** The tool's output, or what went wrong as a line to keep in its place. */
export async function runDump(d: Dump, where: Where): Promise<{ text: string; error: string | null }> {
  const res = await run(d.cmd, d.args, { ...where, reject: false, timeoutMs: DUMP_TIMEOUT_MS });
  if (res.exitCode === 0) return { text: res.stdout, error: null };
  const why = res.stderr.trim().split('\n').slice(-1)[0] || `exit code ${res.exitCode}`;
  return { text: res.stdout, error: `${[d.cmd, ...d.args].join(' ')}: ${why}` };
}
