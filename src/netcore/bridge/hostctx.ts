import { namingFor, type Naming } from './naming.js';
import type { PlanHost } from './plan.js';
import type { HostRef } from '../host.js';
import type { HostState } from './state/types.js';

/** What every operation needs to know about the host it works on, derived from its state. */
export interface HostCtx extends PlanHost {
  host: HostRef;
  naming: Naming;
}

export function hostCtx(host: HostRef, state: HostState): HostCtx {
  const isSandbox = state.sandbox !== null;
  return { host, netns: host.netns, isSandbox, naming: namingFor(host, isSandbox) };
}
