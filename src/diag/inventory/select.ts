import { UsageError } from '../../netcore/errors.js';
import type { HostRef } from '../../netcore/host.js';
import { DockerInventory } from './docker.js';
import type { NativeInventory } from './native.js';
import type { InventoryProvider } from './types.js';

export type BackendChoice = 'native' | 'docker' | 'auto';

export function parseBackend(text: string | undefined): BackendChoice {
  const v = text ?? 'auto';
  if (v !== 'native' && v !== 'docker' && v !== 'auto') throw new UsageError(`invalid --backend "${v}": native, docker or auto`);
  return v;
}

export function dockerInventory(host: HostRef, env: NodeJS.ProcessEnv): DockerInventory {
  return new DockerInventory({ dockerHost: env.DOCKER_HOST, hostNetns: host.netns });
}

const noEngine = (env: NodeJS.ProcessEnv) => `no Docker engine answers at ${env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`;

/** tsdiag's own inventory, loaded on use: its state store and kernel modules are most of the doctor's imports */
async function nativeInventory(host: HostRef): Promise<NativeInventory> {
  return new (await import('./native.js')).NativeInventory(host);
}

/**
 * The rows of a listing (ps, network ls): tsdiag's own, then Docker's, each
 * sorted by name. auto shows Docker's only when an engine answers; docker
 * requires one.
 */
export async function listingRows<R extends { name: string }>(
  choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv,
  rowsOf: { native: () => Promise<R[]>; docker: (inventory: DockerInventory) => Promise<R[]> },
): Promise<R[]> {
  const docker = choice === 'native' ? null : dockerInventory(host, env);
  const dockerAnswers = docker ? await docker.available() : false;
  if (choice === 'docker' && !dockerAnswers) throw new UsageError(noEngine(env));
  const byName = (rows: R[]) => rows.sort((a, b) => a.name.localeCompare(b.name));
  const native = choice === 'docker' ? [] : byName(await rowsOf.native());
  return [...native, ...(docker && dockerAnswers ? byName(await rowsOf.docker(docker)) : [])];
}

/**
 * The backend that knows these names. auto: whichever knows them all; a name
 * known to both is an error that says so.
 */
export async function pickInventory(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv, names: string[]): Promise<InventoryProvider> {
  const docker = dockerInventory(host, env);
  if (choice === 'docker') {
    if (!(await docker.available())) throw new UsageError(noEngine(env));
    return docker;
  }
  const native = await nativeInventory(host);
  if (choice === 'native') return native;
  const nativeNames = new Set((await native.listContainers()).map((c) => c.name));
  const dockerNames = (await docker.available()) ? new Set((await docker.listContainers({ vethsOf: [] })).map((c) => c.name)) : new Set<string>();
  const both = names.filter((n) => nativeNames.has(n) && dockerNames.has(n));
  if (both.length) throw new UsageError(`${both.join(', ')} is known to both tsdiag and Docker: choose with --backend native|docker`);
  if (names.some((n) => dockerNames.has(n)) && !names.some((n) => nativeNames.has(n))) return docker;
  return native;
}
