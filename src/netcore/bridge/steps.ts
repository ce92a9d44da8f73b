import type { HostState } from './state/types.js';

/**
 * A plan is a list of steps computed purely from the desired state; the
 * executor applies them in batches and undoes the applied ones if one fails.
 */
export type Action =
  /** one `ip` command line, run in a batch with its neighbours of the same namespace */
  | { type: 'ip'; netns: string | null; args: string[] }
  | { type: 'netns-add'; name: string }
  | { type: 'netns-del'; name: string }
  | { type: 'write-file'; path: string; content: string }
  | { type: 'remove-path'; path: string }
  /** one sysctl; neighbours of the same namespace are written by one `sysctl` process */
  | { type: 'sysctl'; netns: string | null; key: string; value: string }
  /** replace every tsdiag chain of the host's firewall with the rules this state needs */
  /** ipv6: ip6tables too (the host has or had IPv6 networks) */
  | { type: 'firewall'; netns: string | null; state: HostState; isSandbox: boolean; ipv6?: boolean }
  | { type: 'kill-netns-processes'; name: string }
  | { type: 'write-state'; state: HostState };

export interface Step {
  what: string;
  do: Action;
  undo: Action | null;
}

export const ipStep = (what: string, netns: string | null, args: string[], undoArgs?: string[]): Step => ({
  what,
  do: { type: 'ip', netns, args },
  undo: undoArgs ? { type: 'ip', netns, args: undoArgs } : null,
});
