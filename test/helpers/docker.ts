import { describe, it } from 'vitest';
import { run, type RunOptions, type RunResult } from '../../src/netcore/kernel/exec.js';
import { DockerApi } from '../../src/diag/inventory/docker-api.js';

/**
 * The real Docker engines the tests run against: those `scripts/docker-engine
 * [--engine 26] up` starts, each in a network namespace of its own, found
 * through the variables `scripts/docker-engine [--engine 26] env` prints. Each
 * Docker suite runs once per engine, its name saying which (`[docker 26] ...`).
 * An engine whose variables are unset is skipped with a notice; under CI
 * (CI=true), which brings both up, it fails instead.
 */
export interface DockerEngine {
  /** the engine's major release as the suites name it: 20.10, 26 */
  release: string;
  /** unix:///path of the engine's socket */
  host: string;
  /** the network namespace dockerd runs in, playing the Docker host */
  netns: string;
}

/** Debian's client; another `docker` on the PATH may be a different version. It talks to both engines. */
const DOCKER_CLI = '/usr/bin/docker';
export const TEST_IMAGE = 'tsdiag-busybox:local';
export const TEST_RUN_LABEL = 'tsdiag.test-run';

/** Each engine the suites know, and the prefix of its variables (..._HOST, ..._NETNS). */
const RELEASES = [
  { release: '20.10', prefix: 'TSDIAG_DOCKER', up: 'bash scripts/docker-engine' },
  { release: '26', prefix: 'TSDIAG_DOCKER26', up: 'bash scripts/docker-engine --engine 26' },
] as const;
export type DockerRelease = (typeof RELEASES)[number]['release'];

interface Found { release: DockerRelease; up: string; engine: DockerEngine | null; why: string }

async function findEngine({ release, prefix, up }: (typeof RELEASES)[number]): Promise<Found> {
  const host = process.env[`${prefix}_HOST`];
  const netns = process.env[`${prefix}_NETNS`];
  if (!host || !netns) {
    return { release, up, engine: null, why: `${prefix}_HOST/${prefix}_NETNS are not set (run \`${up} up\` and export what \`${up} env\` prints)` };
  }
  const api = new DockerApi({ dockerHost: host });
  if (!(await api.ping())) return { release, up, engine: null, why: `no Docker engine answers on ${host} (${up} status)` };
  const { Version } = await api.getJson<{ Version: string }>('/version');
  if (!Version.startsWith(`${release}.`)) return { release, up, engine: null, why: `${host} runs Docker ${Version}, not ${release} (${prefix}_HOST)` };
  return { release, up, engine: { release, host, netns }, why: '' };
}

const found: Found[] = await Promise.all(RELEASES.map(findEngine));

/**
 * describe() once per engine, named `[docker <release>] name`: the body gets
 * the engine, or the suite skips with a visible notice (fails under CI).
 * `releases` limits the suite to some engines.
 */
export function describeWithEngine(name: string, body: (engine: DockerEngine) => void, releases?: DockerRelease[]): void {
  for (const f of found.filter((x) => !releases || releases.includes(x.release))) {
    const title = `[docker ${f.release}] ${name}`;
    if (f.engine) {
      const e = f.engine;
      describe(title, () => body(e));
    } else if (process.env.CI === 'true') {
      describe(title, () => {
        it(`needs a running Docker ${f.release} engine (CI brings it up with ${f.up} up)`, () => {
          throw new Error(f.why);
        });
      });
    } else {
      console.warn(`[docker tests skipped] ${title}: ${f.why}`);
      describe.skip(title, () => body({ release: f.release, host: '', netns: '' }));
    }
  }
}

/** Runs Debian's docker client against the test engine. */
export function docker(e: DockerEngine, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(DOCKER_CLI, ['-H', e.host, ...args], { timeoutMs: 60_000, ...opts });
}

/** A name prefix unique to this test run, so runs never collide on names. */
export function uniqueRunId(): string {
  return `tsd${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
}

/** Runs each docker command in turn; when one fails, removes the run's objects made so far and throws. */
export async function createRunObjects(e: DockerEngine, runId: string, commands: string[][]): Promise<void> {
  try {
    for (const args of commands) await docker(e, args);
  } catch (err) {
    await removeRunObjects(e, runId);
    throw err;
  }
}

/** Removes every container and network labelled with this run id; never throws. */
export async function removeRunObjects(e: DockerEngine, runId: string): Promise<void> {
  const filter = `label=${TEST_RUN_LABEL}=${runId}`;
  const containers = await docker(e, ['ps', '-aq', '--filter', filter], { reject: false });
  const ids = containers.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker(e, ['rm', '-f', ...ids], { reject: false });
  const networks = await docker(e, ['network', 'ls', '-q', '--filter', filter], { reject: false });
  const netIds = networks.stdout.split('\n').filter(Boolean);
  if (netIds.length > 0) await docker(e, ['network', 'rm', ...netIds], { reject: false });
}
