/**
 * Fix commands in the words of the backend the containers belong to, and of
 * the namespace that plays the host (commands that touch the host's firewall
 * or sysctls are prefixed with `ip netns exec NS` when it is not this machine).
 */
import type { BackendName } from './inventory/types.js';

export interface FixTarget {
  backend: BackendName;
  hostNetns: string | null;
}

/** Docker or Podman: an engine whose CLI (`docker ...`, `podman ...`) the fixes use. */
export const isEngine = (backend: BackendName): backend is 'docker' | 'podman' => backend !== 'native';

export function cli(t: FixTarget, args: string): string {
  if (isEngine(t.backend)) return `${t.backend} ${args}`;
  return t.hostNetns ? `tsdiag --host-netns ${t.hostNetns} ${args}` : `tsdiag ${args}`;
}

export function onHost(t: FixTarget, cmd: string): string {
  return t.hostNetns ? `ip netns exec ${t.hostNetns} ${cmd}` : cmd;
}
