import { describe, it } from 'vitest';
import { run, type RunOptions, type RunResult } from '../../src/netcore/kernel/exec.js';
import { DockerApi } from '../../src/diag/inventory/docker-api.js';

/**
 * The real Podman the tests run against: the one `scripts/podman-engine up`
 * starts in a network namespace of its own, found through the variables
 * `scripts/podman-engine env` prints. Unset: the suite is skipped with a
 * notice; under CI (CI=true), which brings it up, it fails instead.
 */
export interface PodmanEngine {
  /** unix:///path of its API socket */
  host: string;
  /** the network namespace podman and netavark run in, playing the host */
  netns: string;
}

const PODMAN_CLI = '/usr/bin/podman';
export const PODMAN_IMAGE = 'localhost/tsdiag-busybox:local';
export const PODMAN_RUN_LABEL = 'tsdiag.test-run';
/** the rlimits this VM accepts (podman's defaults are refused) */
export const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const UP = 'bash scripts/podman-engine';

async function findPodman(): Promise<{ engine: PodmanEngine | null; why: string }> {
  const host = process.env.TSDIAG_PODMAN_HOST;
  const netns = process.env.TSDIAG_PODMAN_NETNS;
  if (!host || !netns) return { engine: null, why: `TSDIAG_PODMAN_HOST/TSDIAG_PODMAN_NETNS are not set (run \`${UP} up\` and export what \`${UP} env\` prints)` };
  if (!(await new DockerApi({ dockerHost: host }).ping())) return { engine: null, why: `no Podman answers on ${host} (${UP} status)` };
  return { engine: { host, netns }, why: '' };
}

const found = await findPodman();

/** describe() named `[podman] name` with the engine, or skipped with a visible notice (failing under CI). */
export function describeWithPodman(name: string, body: (engine: PodmanEngine) => void): void {
  const title = `[podman] ${name}`;
  if (found.engine) {
    const e = found.engine;
    describe(title, () => body(e));
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs a running Podman (CI brings it up with ${UP} up)`, () => {
        throw new Error(found.why);
      });
    });
  } else {
    console.warn(`[podman tests skipped] ${title}: ${found.why}`);
    describe.skip(title, () => body({ host: '', netns: '' }));
  }
}

/** Runs the podman client against the test service (as a remote client: no local storage touched). */
export function podman(e: PodmanEngine, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(PODMAN_CLI, ['--url', e.host, ...args], { timeoutMs: 60_000, ...opts });
}

/** Removes every container and network labelled with this run id; never throws. */
export async function removePodmanRunObjects(e: PodmanEngine, runId: string): Promise<void> {
  const filter = `label=${PODMAN_RUN_LABEL}=${runId}`;
  const ids = (await podman(e, ['ps', '-aq', '--filter', filter], { reject: false })).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await podman(e, ['rm', '-f', '-t', '0', ...ids], { reject: false });
  const nets = (await podman(e, ['network', 'ls', '-q', '--filter', filter], { reject: false })).stdout.split('\n').filter(Boolean);
  if (nets.length > 0) await podman(e, ['network', 'rm', '-f', ...nets], { reject: false });
}
