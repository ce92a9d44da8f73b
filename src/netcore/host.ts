import path from 'node:path';

/**
 * The host every kernel operation runs against: the machine's own network
 * namespace (netns null), or a named namespace that stands in for a whole
 * Docker host (a sandbox, or the namespace a test engine runs in).
 */
export interface HostRef {
  netns: string | null;
  stateDir: string; // the root state dir; this host's files live in hostStateDir()
}

export const DEFAULT_STATE_DIR = '/var/lib/tsdiag';

export function hostFromEnv(env: NodeJS.ProcessEnv, netnsFlag?: string | null): HostRef {
  const netns = netnsFlag ?? (env.TSDIAG_HOST_NETNS || null);
  return { netns: netns || null, stateDir: env.TSDIAG_STATE_DIR || DEFAULT_STATE_DIR };
}

/** Directory of one host's state: `<stateDir>/netns-<name>` or `<stateDir>/default`. */
export function hostStateDir(host: HostRef): string {
  return path.join(host.stateDir, host.netns ? `netns-${host.netns}` : 'default');
}

export function hostLabel(host: HostRef): string {
  return host.netns ? `netns ${host.netns}` : 'this machine';
}
