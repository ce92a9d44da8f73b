import { cli, inContainer, onHost } from '../../fixes.js';
import type { PathFixTarget } from './facts.js';

/** `ip ARGS` run where the object lives: the host namespace, or a container's. */
export function ipOnHost(t: PathFixTarget, args: string): string {
  return onHost(t, `ip ${args}`);
}

export function ipInContainer(t: PathFixTarget, name: string, args: string): string {
  return inContainer(t, name, `ip ${args}`);
}

/** The backend's way to give a container its endpoint on a network again. */
export function reconnect(t: PathFixTarget, network: string, name: string): string {
  return `${cli(t, `network disconnect ${network} ${name}`)} && ${cli(t, `network connect ${network} ${name}`)}`;
}
