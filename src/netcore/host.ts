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

/** Directory of one host's state: `<stateDir>/netns-<name>` or `<stateDir>/default`. */
export function hostStateDir(host: HostRef): string {
  return path.join(host.stateDir, host.netns ? `netns-${host.netns}` : 'default');
}

export function hostLabel(host: HostRef): string {
  return host.netns ? `netns ${host.netns}` : 'this machine';
}
