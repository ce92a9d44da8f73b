import { run } from '../../kernel/exec.js';
import type { HostState } from '../state/types.js';
import { anyIpv6Network } from '../state/families.js';
import { parseIptablesSave, restoreScript, type Family } from './rules.js';

const TOOLS = { 4: { save: 'iptables-save', restore: 'iptables-restore' }, 6: { save: 'ip6tables-save', restore: 'ip6tables-restore' } } as const;

async function syncFamily(netns: string | null, state: HostState, family: Family): Promise<void> {
  const saved = await run(TOOLS[family].save, [], { netns });
  const script = restoreScript(state, parseIptablesSave(saved.stdout), family);
  if (script === null) return; // already as wanted: no commit
  await run(TOOLS[family].restore, ['--noflush'], { netns, input: script });
}

/**
 * Makes the host's tsdiag chains match `state`: one atomic iptables-restore,
 * and one ip6tables-restore beside it where the state has IPv6 networks or
 * `ipv6` says it had some; a family whose chains are already as wanted is
 * not restored at all. The two run at once: their commits take turns on the
 * namespace's nf_tables mutex, but the saves and process starts overlap.
 */
export async function syncFirewall(netns: string | null, state: HostState, opts: { ipv6?: boolean } = {}): Promise<void> {
  const families: Family[] = opts.ipv6 || anyIpv6Network(state) ? [4, 6] : [4];
  await Promise.all(families.map((f) => syncFamily(netns, state, f)));
}

export async function iptablesSave(netns: string | null): Promise<string> {
  return (await run('iptables-save', [], { netns })).stdout;
}
