import { randomBytes } from 'node:crypto';
import type { HostRef } from '../host.js';

/**
 * Kernel object names. In a sandbox tsdiag uses Docker's own names (docker0,
 * br-<12 hex>, veth<7 hex>) so that what a user sees matches a Docker host; on
 * any other host it uses names of its own so it never clashes with objects that
 * belong to a running Docker engine. Namespace names carry ':' and '~', which
 * container and sandbox names cannot contain, so they never collide.
 */
export interface Naming {
  defaultBridge: string;
  userBridge(networkId: string): string;
  newHostIf(): string;
  /** does this link name look like one tsdiag makes for a container's host end? */
  isHostIf(name: string): boolean;
  isUserBridge(name: string): boolean;
  containerNetns(containerName: string): string;
  /** the prefix of every container namespace of this host */
  netnsPrefix: string;
}

const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

export function namingFor(host: HostRef, isSandbox: boolean): Naming {
  const netnsPrefix = `${host.netns ?? 'tsdiag'}:`;
  const common = {
    netnsPrefix,
    containerNetns: (name: string) => `${netnsPrefix}${name}`,
  };
  if (isSandbox) {
    return {
      ...common,
      defaultBridge: 'docker0',
      userBridge: (id) => `br-${id.slice(0, 12)}`,
      newHostIf: () => `veth${hex(7)}`,
      isHostIf: (name) => /^veth[0-9a-f]{7}$/.test(name),
      isUserBridge: (name) => /^br-[0-9a-f]{12}$/.test(name),
    };
  }
  return {
    ...common,
    defaultBridge: 'tsdiag0',
    userBridge: (id) => `tsd-${id.slice(0, 11)}`,
    newHostIf: () => `tsv${hex(8)}`,
    isHostIf: (name) => /^tsv[0-9a-f]{8}$/.test(name),
    isUserBridge: (name) => /^tsd-[0-9a-f]{11}$/.test(name),
  };
}

export function sandboxOutsideNetns(sandbox: string): string {
  return `${sandbox}~out`;
}

export function newId(): string {
  return randomBytes(32).toString('hex');
}
