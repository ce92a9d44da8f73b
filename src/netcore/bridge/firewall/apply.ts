import { run } from '../../kernel/exec.js';
import type { HostState } from '../state/types.js';
import { parseIptablesSave, restoreScript } from './rules.js';

/** Makes the host's tsdiag chains match `state` in one atomic iptables-restore. */
export async function syncFirewall(netns: string | null, state: HostState): Promise<void> {
  const saved = await run('iptables-save', [], { netns });
  const script = restoreScript(state, parseIptablesSave(saved.stdout));
  await run('iptables-restore', ['--noflush'], { netns, input: script });
}

export async function iptablesSave(netns: string | null): Promise<string> {
  return (await run('iptables-save', [], { netns })).stdout;
}
