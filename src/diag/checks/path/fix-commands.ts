import { isEngine, onHost } from '../../fixes.js';
import type { PathFixTarget } from './facts.js';

/**
 * `ip ARGS` run where the object lives: the host namespace, or a container's
 * (tsdiag's own containers through `tsdiag exec`, Docker's through nsenter on
 * the container's pid, since a container image need not have `ip` or
 * CAP_NET_ADMIN).
 */
export function ipOnHost(t: PathFixTarget, args: string): string {
  return onHost(t, `ip ${args}`);
}

export function ipInContainer(t: PathFixTarget, name: string, args: string): string {
  if (isEngine(t.backend)) return `nsenter -t ${t.pids[name] ?? `$(${t.backend} inspect -f '{{.State.Pid}}' ${name})`} -n ip ${args}`;
  return `${t.hostNetns ? `tsdiag --host-netns ${t.hostNetns}` : 'tsdiag'} exec ${name} -- ip ${args}`;
}

/** The backend's way to give a container its endpoint on a network again. */
export function reconnect(t: PathFixTarget, network: string, name: string): string {
  const cli = isEngine(t.backend) ? t.backend : t.hostNetns ? `tsdiag --host-netns ${t.hostNetns}` : 'tsdiag';
  return `${cli} network disconnect ${network} ${name} && ${cli} network connect ${network} ${name}`;
}
