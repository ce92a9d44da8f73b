import { existsSync } from 'node:fs';
import { UsageError } from '../../netcore/errors.js';
import type { HostRef } from '../../netcore/host.js';
import { DockerInventory } from './docker.js';
import { askableNames } from './names.js';
import type { NativeInventory } from './native.js';
import { DEFAULT_PODMAN_HOST, PodmanInventory } from './podman.js';
import type { InventoryProvider } from './types.js';

export type BackendChoice = 'native' | 'docker' | 'podman' | 'auto';
type EngineName = 'docker' | 'podman';

const CHOICES: readonly BackendChoice[] = ['native', 'docker', 'podman', 'auto'];

export function parseBackend(text: string | undefined): BackendChoice {
  const v = text ?? 'auto';
  if (!(CHOICES as readonly string[]).includes(v)) throw new UsageError(`invalid --backend "${v}": native, docker, podman or auto`);
  return v as BackendChoice;
}

export function dockerInventory(host: HostRef, env: NodeJS.ProcessEnv): DockerInventory {
  return new DockerInventory({ dockerHost: env.DOCKER_HOST, hostNetns: host.netns });
}

export function podmanInventory(host: HostRef, env: NodeJS.ProcessEnv): PodmanInventory {
  return new PodmanInventory({ podmanHost: env.CONTAINER_HOST, hostNetns: host.netns });
}

const ENGINES: Record<EngineName, (host: HostRef, env: NodeJS.ProcessEnv) => InventoryProvider> = {
  docker: dockerInventory,
  podman: podmanInventory,
};

const noEngine: Record<EngineName, (env: NodeJS.ProcessEnv) => string> = {
  docker: (env) => `no Docker engine answers at ${env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`,
  podman: (env) => `no Podman answers at ${env.CONTAINER_HOST ?? DEFAULT_PODMAN_HOST} (start its API: podman system service --time=0 ${env.CONTAINER_HOST ?? DEFAULT_PODMAN_HOST} &, or set CONTAINER_HOST)`,
};

/**
 * The engines a choice looks at: the one named, or for auto Docker and, when
 * there is a socket to try (CONTAINER_HOST, else the rootful default exists),
 * Podman. A check that needs no I/O, so the TUI can wire its backends at once.
 */
export function enginesFor(choice: BackendChoice, env: NodeJS.ProcessEnv): EngineName[] {
  if (choice === 'native') return [];
  if (choice !== 'auto') return [choice];
  return env.CONTAINER_HOST || existsSync(DEFAULT_PODMAN_HOST.slice('unix://'.length)) ? ['docker', 'podman'] : ['docker'];
}

export function engineInventories(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv): InventoryProvider[] {
  return enginesFor(choice, env).map((e) => ENGINES[e](host, env));
}

/** The engines of a choice that answer; the one named must, else a usage error that says how to start it. */
async function answeringEngines(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv): Promise<InventoryProvider[]> {
  const engines = engineInventories(choice, host, env);
  const answers = await Promise.all(engines.map((e) => e.available()));
  if (choice !== 'auto' && choice !== 'native' && !answers[0]) throw new UsageError(noEngine[choice](env));
  return engines.filter((_, i) => answers[i]);
}

/** tsdiag's own inventory, loaded on use: its state store and kernel modules are most of the doctor's imports */
async function nativeInventory(host: HostRef): Promise<NativeInventory> {
  return new (await import('./native.js')).NativeInventory(host);
}

/**
 * The rows of a listing (ps, network ls): tsdiag's own, then each engine's
 * (Docker, Podman), each sorted by name. auto shows an engine's only when it
 * answers; --backend docker|podman requires that one.
 */
export async function listingRows<R extends { name: string }>(
  choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv,
  rowsOf: { native: () => Promise<R[]>; engine: (inventory: InventoryProvider) => Promise<R[]> },
): Promise<R[]> {
  const engines = await answeringEngines(choice, host, env);
  const byName = (rows: R[]) => rows.sort((a, b) => a.name.localeCompare(b.name));
  const native = choice === 'native' || choice === 'auto' ? byName(await rowsOf.native()) : [];
  const engineRows = await Promise.all(engines.map(async (e) => byName(await rowsOf.engine(e))));
  return [...native, ...engineRows.flat()];
}

/**
 * The backend that knows these names (container names, compose service
 * names). auto: whichever knows them all; a name known to more than one is
 * an error that says so.
 */
export async function pickInventory(choice: BackendChoice, host: HostRef, env: NodeJS.ProcessEnv, names: string[]): Promise<InventoryProvider> {
  if (choice === 'docker' || choice === 'podman') return (await answeringEngines(choice, host, env))[0]!;
  const native = await nativeInventory(host);
  if (choice === 'native') return native;
  const engines = await answeringEngines(choice, host, env);
  const known = await Promise.all([native, ...engines].map(async (i) => ({
    inventory: i as InventoryProvider,
    names: new Set((await i.listContainers({ vethsOf: [] })).flatMap(askableNames)),
  })));
  const both = names.filter((n) => known.filter((k) => k.names.has(n)).length > 1);
  if (both.length) {
    const who = known.filter((k) => both.some((n) => k.names.has(n))).map((k) => k.inventory.backend);
    throw new UsageError(`${both.join(', ')} is known to ${who.length === 2 ? 'both ' : ''}${who.map(backendWord).join(' and ')}: choose with --backend ${who.join('|')}`);
  }
  const knowsAll = known.find((k) => k !== known[0] && names.some((n) => k.names.has(n)) && !names.some((n) => known[0]!.names.has(n)));
  return knowsAll?.inventory ?? native;
}

const backendWord = (b: string) => ({ native: 'tsdiag', docker: 'Docker', podman: 'Podman' })[b] ?? b;
