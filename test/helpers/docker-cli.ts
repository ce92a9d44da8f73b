import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { DoctorJson } from './lab.js';
import { CLI, type CliResult } from './sandbox.js';
import type { DockerEngine } from './docker.js';

/** Where the CLI runs: its working directory (compose files are looked for there) and variables added to its environment. */
export interface CliWhere {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * The built tsdiag CLI pointed at the test engine: `--host-netns` the engine's
 * namespace, DOCKER_HOST (for Podman: CONTAINER_HOST) its socket, and a state dir of its own for tsdiag's
 * native objects made in that namespace (removed by dispose()).
 */
export class EngineCli {
  readonly stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-docker-'));

  constructor(readonly engine: Pick<DockerEngine, 'host' | 'netns'>, private readonly hostVariable: 'DOCKER_HOST' | 'CONTAINER_HOST' = 'DOCKER_HOST') {}

  /** The CLI as a running process (a capture); killed with SIGTERM after timeoutMs. `where`: its directory and more variables. */
  start(args: string[], timeoutMs = 120_000, where: CliWhere = {}): ResultPromise<{ reject: false; timeout: number }> {
    const env = { [this.hostVariable]: this.engine.host, TSDIAG_STATE_DIR: this.stateDir, TZ: 'UTC', ...where.env };
    return execa(process.execPath, [CLI, '--host-netns', this.engine.netns, ...args], { env, reject: false, timeout: timeoutMs, cwd: where.cwd });
  }

  async run(args: string[], timeoutMs = 120_000, where: CliWhere = {}): Promise<CliResult> {
    const res = await this.start(args, timeoutMs, where);
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
  }

  async ok(args: string[]): Promise<string> {
    const res = await this.run(args);
    if (res.exitCode !== 0) throw new Error(`tsdiag ${args.join(' ')} exited ${res.exitCode}: ${res.stderr}`);
    return res.stdout;
  }

  /** `doctor FROM TO --json` with the given backend; exit code 2 (bad input) throws. */
  async doctor(from: string, to: string, backend: 'docker' | 'podman' | 'native', ...extra: string[]): Promise<{ exitCode: number; report: DoctorJson }> {
    const res = await this.run(['doctor', from, to, '--backend', backend, '--json', ...extra]);
    if (res.exitCode === 2 || !res.stdout) throw new Error(`doctor ${from} ${to} exited ${res.exitCode}: ${res.stderr}`);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) as DoctorJson };
  }

  dispose(): void {
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export function checkIn(report: DoctorJson, id: string): DoctorJson['checks'][number] {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in the report`);
  return c;
}

/** Ids of the checks that failed or warned, in report order. */
export const failingIds = (report: DoctorJson): string[] =>
  report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.id);
