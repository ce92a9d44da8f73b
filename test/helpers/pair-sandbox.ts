import { execa } from 'execa';
import { expect } from 'vitest';
import type { DoctorJson } from './lab.js';
import { TestSandbox, tcpEchoServer, waitFor } from './sandbox.js';

export type DoctorReportJson = DoctorJson & { path?: { lines: unknown[]; hops: unknown[] } };

/**
 * A sandbox with `web` and `db` (a TCP server on 5432) on network `app`, and
 * any other idle containers asked for, built by hand with the CLI (not
 * through `lab`): for doctor tests that break one kernel object themselves.
 */
export class PairSandbox {
  bridge = '';
  /** the host end of each container's veth */
  readonly hostEnd: Record<string, string> = {};

  private constructor(readonly sb: TestSandbox) {}

  /** ipv6: `app` is dual-stack (`--ipv6`) and db listens on `::` (both families); ipv4 false as well: IPv6-only (`--ipv4=false`) */
  static async create(tag: string, others: string[] = [], options: { ipv6?: boolean; ipv4?: boolean } = {}): Promise<PairSandbox> {
    const p = new PairSandbox(await TestSandbox.create(tag));
    const { sb } = p;
    await sb.ok(['network', 'create', ...(options.ipv6 ? ['--ipv6'] : []), ...(options.ipv4 === false ? ['--ipv4=false'] : []), 'app']);
    await sb.ok(['run', '-d', '--name', 'db', '--network', 'app', '--', ...tcpEchoServer(5432, 'db', options.ipv6 ? '::' : '0.0.0.0')]);
    for (const name of ['web', ...others]) await sb.ok(['run', '-d', '--name', name, '--network', 'app', '--', 'sleep', 'infinity']);
    const state = await sb.state();
    p.bridge = Object.values(state.networks).find((n: any) => n.name === 'app').device;
    for (const c of Object.values(state.containers) as any[]) p.hostEnd[c.name] = c.endpoints[0].hostIf;
    await waitFor(async () => (await sb.inNetns(sb.containerNetns('db'), ['ss', '-ltn'])).stdout.includes(':5432'));
    return p;
  }

  /** `doctor web db --json` on port 5432; dns.upstream is left out (the sandbox has no upstream resolver: 4 s a run). */
  async doctor(): Promise<{ exitCode: number; report: DoctorReportJson }> {
    const res = await this.sb.cli(['doctor', 'web', 'db', '--port', '5432', '--json', '--check', '^(?!dns\\.upstream$)']);
    if (res.exitCode === 2) throw new Error(res.stderr);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) };
  }

  check(r: DoctorJson, id: string): DoctorJson['checks'][number] {
    const c = r.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id} in the report`);
    return c;
  }

  /** Runs a printed fix for real: `a && b`, words split as a shell would (single quotes kept whole); `tsdiag` is the CLI under test. */
  async runFix(fix: string): Promise<void> {
    for (const part of fix.split(' && ')) {
      const [cmd, ...args] = (part.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, '$1'));
      const res = cmd === 'tsdiag' ? await this.sb.cli(args, { host: false }) : await execa(cmd!, args, { reject: false });
      expect(res.exitCode, `${part}: ${res.stderr}`).toBe(0);
    }
  }

  dispose(): Promise<void> {
    return this.sb.dispose();
  }
}
