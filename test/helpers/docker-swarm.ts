import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerApi } from '../../src/diag/inventory/docker-api.js';
import { run } from '../../src/netcore/kernel/exec.js';
import { TEST_IMAGE, docker, type DockerEngine } from './docker.js';
import { Cleanup } from './docker-faults.js';

/**
 * A real two-node swarm for one test file, apart from the shared test
 * engine (whose swarm state other suites would see): two engines of its own,
 * each in a network namespace of its own, joined by a veth pair, as
 * /work/shared/docker-engine.md describes. Node 1 is the manager, node 2 a
 * worker; an attachable overlay network spans both, with one container on
 * each. teardown() stops and removes everything, and build() does so itself
 * when it fails half-way.
 */
export interface SwarmNode extends DockerEngine {
  /** the node's address on the link between the two */
  address: string;
  /** the container this test runs on the overlay on this node */
  container: string;
  /** this node's end of the link between the two (the underlay VXLAN crosses) */
  underlay: string;
}

export interface SwarmLab {
  manager: SwarmNode;
  worker: SwarmNode;
  overlay: string;
  teardown(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

interface EnginePaths { netns: string; dataRoot: string; execRoot: string; socket: string; pidfile: string; log: string }

function pathsOf(name: string): EnginePaths {
  return {
    netns: name, dataRoot: `/var/lib/${name}`, execRoot: `/run/${name}`, socket: `/run/${name}.sock`,
    pidfile: `/run/${name}.pid`, log: path.join(os.tmpdir(), `${name}-dockerd.log`),
  };
}

async function waitForApi(host: string, daemon: ChildProcess, log: string): Promise<void> {
  const api = new DockerApi({ dockerHost: host });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await api.ping(1_000))) {
    if (daemon.exitCode !== null || Date.now() > deadline) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`dockerd for ${host} did not come up:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** dockerd inside its namespace (nsenter, not `ip netns exec`: the latter hides the cgroup mounts). */
async function startEngine(p: EnginePaths, cleanup: Cleanup): Promise<DockerEngine> {
  await run('ip', ['netns', 'add', p.netns]);
  cleanup.add(() => run('ip', ['netns', 'del', p.netns], { reject: false }));
  await run('ip', ['-n', p.netns, 'link', 'set', 'lo', 'up']);
  fs.mkdirSync(p.dataRoot, { recursive: true });
  fs.mkdirSync(p.execRoot, { recursive: true });
  cleanup.add(async () => removeEngineFiles(p));
  const log = fs.openSync(p.log, 'a');
  const daemon = spawn('nsenter', [`--net=/run/netns/${p.netns}`, '--', 'dockerd',
    '--storage-driver=vfs', '--data-root', p.dataRoot, '--exec-root', p.execRoot, '--pidfile', p.pidfile,
    '-H', `unix://${p.socket}`, '--bridge=none',
    '--containerd-namespace', p.netns, '--containerd-plugins-namespace', `${p.netns}-plugins`,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  cleanup.add(() => stopDaemon(daemon));
  // dockerd from the PATH: Debian 12's, 20.10
  const engine = { release: '20.10', host: `unix://${p.socket}`, netns: p.netns };
  await waitForApi(engine.host, daemon, p.log);
  return engine;
}

async function stopDaemon(daemon: ChildProcess): Promise<void> {
  if (daemon.exitCode !== null || daemon.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  daemon.kill('SIGTERM');
  const timer = setTimeout(() => daemon.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** The engine's mounts (container namespaces, vfs layers) go before its directories. */
async function removeEngineFiles(p: EnginePaths): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')
    .filter((m) => [p.execRoot, p.dataRoot].some((root) => m === root || m.startsWith(`${root}/`)))
    .sort().reverse();
  for (const m of mounts) await run('umount', ['-l', m], { reject: false });
  for (const f of [p.dataRoot, p.execRoot, p.socket, p.pidfile, p.log]) fs.rmSync(f, { recursive: true, force: true });
}

async function linkNodes(a: string, b: string, subnet: string, cleanup: Cleanup): Promise<{ addresses: [string, string]; ifnames: [string, string] }> {
  const [ifA, ifB] = [`${a.slice(-8)}l`, `${b.slice(-8)}l`];
  await run('ip', ['link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
  cleanup.add(() => run('ip', ['-n', a, 'link', 'del', ifA], { reject: false }));
  const addresses: [string, string] = [`${subnet}.1`, `${subnet}.2`];
  for (const [ns, ifname, addr] of [[a, ifA, addresses[0]], [b, ifB, addresses[1]]] as const) {
    await run('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', ifname]);
    await run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }
  return { addresses, ifnames: [ifA, ifB] };
}

/** Builds the swarm; `source` lends its test image (no registry here). */
export async function buildSwarm(source: DockerEngine, runId: string): Promise<SwarmLab> {
  const cleanup = new Cleanup();
  try {
    const [p1, p2] = [pathsOf(`${runId}-n1`), pathsOf(`${runId}-n2`)];
    const [e1, e2] = await Promise.all([startEngine(p1, cleanup), startEngine(p2, cleanup)]);
    // a documentation-benchmark range (198.18/15): never routed anywhere real
    const { addresses: [a1, a2], ifnames: [l1, l2] } = await linkNodes(p1.netns, p2.netns, `198.18.${100 + Math.floor(Math.random() * 100)}`, cleanup);
    const image = path.join(os.tmpdir(), `${runId}-image.tar`);
    cleanup.add(async () => fs.rmSync(image, { force: true }));
    await docker(source, ['save', '-o', image, TEST_IMAGE]);
    await Promise.all([e1, e2].map((e) => docker(e, ['load', '-i', image])));

    await docker(e1, ['swarm', 'init', '--advertise-addr', a1]);
    const token = (await docker(e1, ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    await docker(e2, ['swarm', 'join', '--advertise-addr', a2, '--token', token, `${a1}:2377`]);
    // leaving first keeps the engines from waiting on a lost swarm when they stop
    cleanup.add(() => docker(e1, ['swarm', 'leave', '--force'], { reject: false }));
    cleanup.add(() => docker(e2, ['swarm', 'leave', '--force'], { reject: false }));
    const overlay = `${runId}-ovl`;
    await docker(e1, ['network', 'create', '-d', 'overlay', '--attachable', overlay]);
    const containers = [`${runId}-t1`, `${runId}-t2`];
    for (const [e, name] of [[e1, containers[0]!], [e2, containers[1]!]] as const) {
      await docker(e, ['run', '-d', '--name', name, '--network', overlay, TEST_IMAGE, 'sleep', '3600']);
      cleanup.add(() => docker(e, ['rm', '-f', name], { reject: false }));
    }
    return {
      manager: { ...e1, address: a1, container: containers[0]!, underlay: l1 },
      worker: { ...e2, address: a2, container: containers[1]!, underlay: l2 },
      overlay,
      teardown: () => cleanup.runAll(),
    };
  } catch (err) {
    await cleanup.runAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Removes the overlay and creates it again with `options` (as a fix that
 * changes a network's driver options has it done), with both containers
 * disconnected first and connected again after; waits until the manager's
 * container reaches the worker's across it.
 */
export async function recreateOverlay(lab: SwarmLab, options: string[]): Promise<void> {
  const { manager, worker, overlay } = lab;
  for (const node of [worker, manager]) await docker(node, ['network', 'disconnect', overlay, node.container]);
  await docker(manager, ['network', 'rm', overlay]);
  // the swarm's store lets go of the name a moment after `rm` returns
  await retry(`create ${overlay} again`, () => docker(manager, ['network', 'create', '-d', 'overlay', '--attachable', ...options, overlay], { reject: false }));
  for (const node of [manager, worker]) await docker(node, ['network', 'connect', overlay, node.container]);
  const peer = (await docker(worker, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${overlay}").IPAddress}}`, worker.container])).stdout.trim();
  await retry(`${manager.container} reaching ${peer} across the recreated ${overlay}`,
    () => docker(manager, ['exec', manager.container, 'ping', '-c1', '-W1', peer], { reject: false }));
}

async function retry(what: string, attempt: () => Promise<{ exitCode: number; stderr: string }>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const res = await attempt();
    if (res.exitCode === 0) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${res.stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
