import { execa, type ResultPromise } from 'execa';
import { run, type RunOptions, type RunResult } from '../../src/netcore/kernel/exec.js';
import type { DockerEngine } from './docker.js';

/** What these helpers need of an engine (Docker or Podman): the namespace that plays its host. */
export type EngineHost = Pick<DockerEngine, 'netns'>;

/**
 * Faults of spec/faults.md built on the real engine. Every iptables rule and
 * sysctl is changed inside the engine's host namespace, never in the
 * machine's own; rules are scoped to the test's own container addresses, so
 * that suites running beside this one are not hit.
 */

/** A command inside the namespace that plays the Docker host. */
export function inEngineHost(engine: EngineHost, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(cmd, args, { timeoutMs: 20_000, ...opts, netns: engine.netns });
}

/** Undo steps, run newest first; each runs even when an earlier one throws. */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async runAll(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length) {
      try {
        await this.steps.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, `${errors.length} cleanup step(s) failed`);
  }
}

/** S7: `iptables -I DOCKER-USER ... -j DROP` for TCP to one address and port. Returns the rule's removal. */
export async function dropInDockerUser(engine: EngineHost, addr: string, port: number): Promise<() => Promise<unknown>> {
  const spec = ['DOCKER-USER', '-d', `${addr}/32`, '-p', 'tcp', '--dport', String(port), '-j', 'DROP'];
  await inEngineHost(engine, 'iptables', ['-w', '-I', ...spec]);
  return () => inEngineHost(engine, 'iptables', ['-w', '-D', ...spec], { reject: false });
}

export async function readEngineSysctl(engine: EngineHost, key: string): Promise<string> {
  return (await inEngineHost(engine, 'sysctl', ['-n', key])).stdout.trim();
}

/** S10: ip_forward 0 in the engine's host namespace while `body` runs; the value it had is put back, also on failure. */
export async function withIpForwardOff<T>(engine: EngineHost, body: () => Promise<T>): Promise<T> {
  const before = await readEngineSysctl(engine, 'net.ipv4.ip_forward');
  await inEngineHost(engine, 'sysctl', ['-w', 'net.ipv4.ip_forward=0']);
  try {
    return await body();
  } finally {
    await inEngineHost(engine, 'sysctl', ['-w', `net.ipv4.ip_forward=${before}`]);
  }
}

/** A process of the engine's host that listens on a TCP port, as a host service would. */
export interface PortHolder {
  pid: number;
  release(): Promise<void>;
}

/** S12: a host process on `port` of the engine's host (all addresses). */
export async function holdHostPort(engine: EngineHost, port: number): Promise<PortHolder> {
  const js = `require('net').createServer((s) => s.destroy()).listen(${port}, '0.0.0.0', () => console.log('listening'))`;
  // nsenter execs the command: the pid is the listener's own
  const child: ResultPromise = execa('nsenter', [`--net=/run/netns/${engine.netns}`, '--', process.execPath, '-e', js], { reject: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the port holder did not listen on ${port} in 10 s`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`the port holder exited: ${String(r.stderr)}`));
    });
  });
  return {
    pid: child.pid!,
    async release() {
      child.kill('SIGKILL');
      await child;
    },
  };
}

/** tsdiag's own jumps from FORWARD: without them, tsdiag's bridge is one nothing accepts. */
export async function removeNativeForwardJumps(engine: EngineHost): Promise<void> {
  for (const chain of ['TSDIAG-USER', 'TSDIAG-FORWARD']) await inEngineHost(engine, 'iptables', ['-w', '-D', 'FORWARD', '-j', chain]);
}

/** Runs a fix the doctor printed, after checking it targets the engine's namespace, never the machine's own. */
export async function runHostFix(engine: EngineHost, fix: string): Promise<void> {
  for (const cmd of fix.split(' && ')) {
    const argv = cmd.split(' ');
    const prefix = ['ip', 'netns', 'exec', engine.netns];
    if (argv.slice(0, 4).join(' ') !== prefix.join(' ')) throw new Error(`refusing a fix outside ${engine.netns}: ${cmd}`);
    await inEngineHost(engine, argv[4]!, argv.slice(5));
  }
}

/**
 * Deletes one rule (`CHAIN SPEC...`) of iptables or ip6tables in the engine's
 * host; `cleanup` appends it again unless something (the fix under test) did.
 */
export async function deleteRuleUntilCleanup(engine: EngineHost, cleanup: Cleanup, tool: 'iptables' | 'ip6tables', rule: string[]): Promise<void> {
  await inEngineHost(engine, tool, ['-w', '-D', ...rule]);
  cleanup.add(async () => {
    if ((await inEngineHost(engine, tool, ['-w', '-C', ...rule], { reject: false })).exitCode !== 0) await inEngineHost(engine, tool, ['-w', '-A', ...rule]);
  });
}
