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

/** A fix target that knows the containers' pids (an engine's container is entered through nsenter on it). */
export interface ContainerFixTarget extends FixTarget {
  pids: Record<string, number | null>;
}

/**
 * CMD run in a container's namespace: tsdiag's own through `tsdiag exec`, an
 * engine's through nsenter on its pid (its image need not have the tool, nor
 * CAP_NET_ADMIN).
 */
export function inContainer(t: ContainerFixTarget, name: string, cmd: string): string {
  if (isEngine(t.backend)) return `nsenter -t ${t.pids[name] ?? `$(${t.backend} inspect -f '{{.State.Pid}}' ${name})`} -n ${cmd}`;
  return cli(t, `exec ${name} -- ${cmd}`);
}
