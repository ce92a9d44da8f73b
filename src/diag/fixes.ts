/**
 * Fix commands in the words of the backend the containers belong to, and of
 * the namespace that plays the host (commands that touch the host's firewall
 * or sysctls are prefixed with `ip netns exec NS` when it is not this machine).
 */
export interface FixTarget {
  backend: 'native' | 'docker';
  hostNetns: string | null;
}

export function cli(t: FixTarget, args: string): string {
  if (t.backend === 'docker') return `docker ${args}`;
  return t.hostNetns ? `tsdiag --host-netns ${t.hostNetns} ${args}` : `tsdiag ${args}`;
}

export function onHost(t: FixTarget, cmd: string): string {
  return t.hostNetns ? `ip netns exec ${t.hostNetns} ${cmd}` : cmd;
}
