import { describe, it } from 'vitest';
import { run, type RunOptions, type RunResult } from '../../src/netcore/kernel/exec.js';
import { DockerApi } from '../../src/diag/inventory/docker-api.js';

/**
 * The real Docker engine the tests run against: the one `scripts/docker-engine up`
 * starts in its own network namespace, found through the variables
 * `scripts/docker-engine env` prints. Without it the Docker suites are skipped
 * with a notice; under CI (CI=true), which brings the engine up, they fail instead.
 */
export interface DockerEngine {
  /** unix:///path of the engine's socket */
  host: string;
  /** the network namespace dockerd runs in, playing the Docker host */
  netns: string;
}

/** Debian's client; another `docker` on the PATH may be a different version. */
const DOCKER_CLI = '/usr/bin/docker';
export const TEST_IMAGE = 'tsdiag-busybox:local';
export const TEST_RUN_LABEL = 'tsdiag.test-run';

async function findEngine(): Promise<{ engine: DockerEngine | null; why: string }> {
  const host = process.env.TSDIAG_DOCKER_HOST;
  const netns = process.env.TSDIAG_DOCKER_NETNS;
  if (!host || !netns) {
    return { engine: null, why: 'TSDIAG_DOCKER_HOST/TSDIAG_DOCKER_NETNS are not set (run `bash scripts/docker-engine up` and export what `bash scripts/docker-engine env` prints)' };
  }
  if (!(await new DockerApi({ dockerHost: host }).ping())) {
    return { engine: null, why: `no Docker engine answers on ${host} (bash scripts/docker-engine status)` };
  }
  return { engine: { host, netns }, why: '' };
}

const found = await findEngine();
export const engine: DockerEngine | null = found.engine;

/** describe() that gets the engine, or skips with a visible notice (fails under CI). */
export function describeWithEngine(name: string, body: (engine: DockerEngine) => void): void {
  if (found.engine) {
    const e = found.engine;
    describe(name, () => body(e));
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a running Docker engine (CI brings it up with scripts/docker-engine up)', () => {
        throw new Error(found.why);
      });
    });
    return;
  }
  console.warn(`[docker tests skipped] ${name}: ${found.why}`);
  describe.skip(name, () => body({ host: '', netns: '' }));
}

/** Runs Debian's docker client against the test engine. */
export function docker(e: DockerEngine, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(DOCKER_CLI, ['-H', e.host, ...args], { timeoutMs: 60_000, ...opts });
}

/** A name prefix unique to this test run, so runs never collide on names. */
export function uniqueRunId(): string {
  return `tsd${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
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
