import fs from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { run, type RunOptions, type RunResult } from '../../src/netcore/kernel/exec.js';
import { DockerApi } from '../../src/diag/inventory/docker-api.js';
import { AARDVARK_DIR } from '../../src/diag/checks/dns/aardvark.js';

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

type Found = { engine: PodmanEngine | null; why: string };

async function findPodman(prefix: string, up: string): Promise<Found> {
  const host = process.env[`${prefix}_HOST`];
  const netns = process.env[`${prefix}_NETNS`];
  if (!host || !netns) return { engine: null, why: `${prefix}_HOST/${prefix}_NETNS are not set (run \`${up} up\` and export what \`${up} env\` prints)` };
  if (!(await new DockerApi({ dockerHost: host }).ping())) return { engine: null, why: `no Podman answers on ${host} (${up} status)` };
  return { engine: { host, netns }, why: '' };
}

const rootfulFound = await findPodman('TSDIAG_PODMAN', UP);
const ROOTLESS_UP = `${UP} --rootless`;
const rootlessFound = await findPodman('TSDIAG_PODMAN_ROOTLESS', ROOTLESS_UP);

/** describe() named `[podman] name` with the engine, or skipped with a visible notice (failing under CI). */
export function describeWithPodman(name: string, body: (engine: PodmanEngine) => void): void {
  describeWith(rootfulFound, `[podman] ${name}`, UP, body);
}

/** The same for the rootless Podman of `scripts/podman-engine --rootless up`. */
export function describeWithRootlessPodman(name: string, body: (engine: PodmanEngine) => void): void {
  describeWith(rootlessFound, `[podman rootless] ${name}`, ROOTLESS_UP, body);
}

function describeWith(found: Found, title: string, up: string, body: (engine: PodmanEngine) => void): void {
  if (found.engine) {
    const e = found.engine;
    describe(title, () => body(e));
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs a running Podman (CI brings it up with ${up} up)`, () => {
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
  // one at a time: `podman rm` of several removes them in parallel, and netavark 1.4 rewrites a network's
  // aardvark-dns file without its lock on removal and SIGHUPs aardvark for each, which restarts every
  // network's server (a rebind that can fail while another suite's lookups are in flight)
  for (const id of ids) await podman(e, ['rm', '-f', '-t', '0', id], { reject: false });
  const nets = (await podman(e, ['network', 'ls', '-q', '--filter', filter], { reject: false })).stdout.split('\n').filter(Boolean);
  if (nets.length > 0) await podman(e, ['network', 'rm', '-f', ...nets], { reject: false });
}

/**
 * A suite's own objects on the engine: `make` runs before its tests (what it
 * made is removed again when it throws), and after them `endFirst` (what
 * must stop before its objects go: a live tree, a fault's undo), every object
 * labelled with runId, then `dispose`.
 */
export function podmanSuiteObjects(e: PodmanEngine, runId: string, make: () => Promise<void>, dispose: () => void = () => undefined,
  endFirst: () => Promise<void> = async () => undefined): void {
  beforeAll(async () => {
    try {
      await make();
    } catch (err) {
      await removePodmanRunObjects(e, runId);
      throw err;
    }
  }, 120_000);
  afterAll(async () => {
    try {
      await endFirst();
    } finally {
      try {
        await removePodmanRunObjects(e, runId);
      } finally {
        dispose();
      }
    }
  });
}

/** A DNS server at an upstream address of aardvark-dns, reachable from the Podman host (S3/S4 with a live upstream). */
export interface Upstream {
  address: string;
  /** S4: its port 53 drops every query (on) or answers again (off) */
  dropQueries(on: boolean): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A namespace NAME holding ADDRESS behind a veth from the engine's namespace
 * (routes: ADDRESS/32 there, the containers' way back through it), with
 * dnsmasq answering every name. Everything it made goes with remove().
 */
export async function startUpstream(e: PodmanEngine, name: string, address: string): Promise<Upstream> {
  const ns = { netns: name };
  const [outer, inner] = [`${name}-h`.slice(0, 15), `${name}-u`.slice(0, 15)];
  const remove = async () => {
    await run('ip', ['netns', 'del', name], { reject: false });
    await run('ip', ['-n', e.netns, 'link', 'del', outer], { reject: false });
    await run('ip', ['-n', e.netns, 'route', 'del', `${address}/32`], { reject: false });
  };
  try {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['-n', e.netns, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', name]);
    await run('ip', ['-n', name, 'addr', 'add', `${address}/32`, 'dev', inner]);
    for (const [where, dev] of [[name, inner], [name, 'lo'], [e.netns, outer]] as const) await run('ip', ['-n', where, 'link', 'set', dev, 'up']);
    await run('ip', ['-n', e.netns, 'route', 'add', `${address}/32`, 'dev', outer]);
    await run('ip', ['-n', name, 'route', 'add', 'default', 'dev', inner]);
    await run('dnsmasq', ['--no-resolv', '--no-hosts', '--bind-interfaces', `--listen-address=${address}`, '--except-interface=lo',
      '--address=/#/192.0.2.53', `--pid-file=/run/${name}.dnsmasq.pid`], ns);
  } catch (err) {
    await remove();
    throw err;
  }
  const dropRule = ['INPUT', '-p', 'udp', '--dport', '53', '-j', 'DROP'];
  return {
    address,
    dropQueries: async (on) => { await run('iptables', ['-w', on ? '-I' : '-D', ...dropRule], ns); },
    async remove() {
      const pidFile = `/run/${name}.dnsmasq.pid`;
      const pid = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
      if (/^\d+$/.test(pid)) process.kill(Number(pid), 'SIGTERM');
      fs.rmSync(pidFile, { force: true });
      await remove();
    },
  };
}

/** The first nameserver of the resolver file aardvark-dns forwards by (its own filesystem's /etc/resolv.conf). */
export function aardvarkUpstream(): { pid: number; upstream: string | null } {
  const pid = Number(fs.readFileSync(`${AARDVARK_DIR}/aardvark.pid`, 'utf8').trim());
  const conf = fs.readFileSync(`/proc/${pid}/root/etc/resolv.conf`, 'utf8');
  return { pid, upstream: /^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(conf)?.[1] ?? null };
}

/** The local podman of the test engine (what the remote client cannot do: network reload). */
export function podmanLocal(args: string[]): Promise<RunResult> {
  return run('bash', ['scripts/podman-engine', 'podman', ...args], { timeoutMs: 60_000 });
}
