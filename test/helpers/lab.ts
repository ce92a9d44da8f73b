import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, type CliResult } from './sandbox.js';

export interface DoctorJson {
  from: string;
  to: string;
  port: number | null;
  checks: Array<{ id: string; status: string; summary: string; evidence: string[]; fix: string | null; because?: string }>;
  counts: Record<string, number>;
}

/** A lab of its own for one test file: unique name, own state dir, removed by down(). */
export class TestLab {
  readonly stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-lab-'));
  readonly name = `lab${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  async cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const res = await execa(process.execPath, [CLI, ...args], { env: { TSDIAG_STATE_DIR: this.stateDir, TZ: 'UTC', ...env }, reject: false, timeout: 120_000 });
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
  }

  async lab(...args: string[]): Promise<string> {
    const res = await this.cli(['lab', ...args, '--name', this.name]);
    if (res.exitCode !== 0) throw new Error(`lab ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  }

  async up(fault?: string): Promise<void> {
    await this.lab('up', ...(fault ? ['--fault', fault] : []));
  }

  async doctor(...extra: string[]): Promise<{ exitCode: number; report: DoctorJson }> {
    const res = await this.cli(['--host-netns', this.name, 'doctor', 'web', 'db', '--json', ...extra]);
    if (res.exitCode === 2) throw new Error(`doctor: ${res.stderr}`);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) as DoctorJson };
  }

  /** The doctor passes: exit 0, and when not, the failed checks in the message. */
  async expectHealthy(): Promise<void> {
    const { exitCode, report } = await this.doctor();
    const bad = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.summary} | ${c.evidence.join(' | ')}`);
    if (exitCode !== 0 || bad.length) throw new Error(`doctor is not healthy (exit ${exitCode}): ${bad.join('; ')}`);
  }

  check(report: DoctorJson, id: string) {
    const c = report.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id} in the report`);
    return c;
  }

  async down(): Promise<void> {
    await this.cli(['lab', 'down', '--name', this.name]);
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}
