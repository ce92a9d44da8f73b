import { readState } from '../../netcore/bridge/state/store.js';
import type { HostRef } from '../../netcore/host.js';
import { DockerApi } from '../../diag/inventory/docker-api.js';

/** A completion must come back at once: an engine that does not answer within this is left out. */
const DOCKER_TIMEOUT_MS = 400;

/**
 * Container or network names for completion: tsdiag's own from the host's
 * state file, and Docker's from two list calls (no per-container inspect) when
 * an engine answers quickly. Never throws: a name it cannot get is not offered.
 */
export async function completionNames(kind: 'container' | 'network', host: HostRef, dockerHost: string | undefined): Promise<string[]> {
  const native = readState(host).then(
    (s) => (kind === 'container' ? Object.values(s.containers) : Object.values(s.networks)).map((x) => x.name),
    () => [] as string[],
  );
  const api = new DockerApi({ dockerHost, timeoutMs: DOCKER_TIMEOUT_MS });
  const docker = kind === 'container'
    ? api.getJson<Array<{ Names?: string[] }>>('/containers/json?all=1').then((cs) => cs.flatMap((c) => (c.Names ?? []).map((n) => n.replace(/^\//, ''))))
    : api.getJson<Array<{ Name?: string }>>('/networks').then((ns) => ns.flatMap((n) => (n.Name ? [n.Name] : [])));
  const [a, b] = await Promise.all([native, docker.catch(() => [] as string[])]);
  return [...a, ...b];
}
