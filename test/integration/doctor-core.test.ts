import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';

describe('doctor on the lab: healthy, S2, S13, and the CLI contract', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('a healthy pair: every check passes or skips with a reason, exit 0', async () => {
    const { exitCode, report } = await lab.doctor();
    const bad = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.port).toBe(5432);
    expect(lab.check(report, 'reach.tcp').status).toBe('pass');
    expect(report.counts.fail).toBe(0);
  });

  it('S13: db bound to 127.0.0.1 is named by app.listen with the fix; healed, it passes', async () => {
    await lab.lab('fault', 'S13');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'app.listen');
    expect(c.status).toBe('fail');
    expect(c.evidence.join('\n')).toMatch(/127\.0\.0\.1:5432/);
    expect(c.fix).toMatch(/0\.0\.0\.0:5432/);
    expect(lab.check(report, 'reach.tcp').summary).toMatch(/refuses/);
    await lab.lab('heal');
    await lab.expectHealthy();
  });

  it('S2: no shared network is named by topology.common-network with a network connect fix that works', async () => {
    await lab.lab('fault', 'S2');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'topology.common-network');
    expect(c.status).toBe('fail');
    expect(c.fix).toBe(`tsdiag --host-netns ${lab.name} network connect b web`);
    expect(lab.check(report, 'reach.icmp').status).toBe('skip');
    // the fix, applied for real, makes the pair healthy
    const fixed = await lab.cli(c.fix!.split(' ').slice(1));
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    const after = await lab.doctor('--check', '^(topology|reach|app)');
    expect(after.report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    await lab.cli(['--host-netns', lab.name, 'network', 'disconnect', 'b', 'web']);
    await lab.lab('heal');
    await lab.expectHealthy();
  });

  it('S1: only on the default bridge is named by dns.embedded, with network create/connect as the fix', async () => {
    await lab.lab('fault', 'S1');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'dns.embedded');
    expect(c.status).toBe('fail');
    expect(c.evidence[0]).toMatch(/bridge \(default bridge: no embedded DNS\)/);
    expect(c.fix).toMatch(new RegExp(`network create app && .* network connect app web && .* network connect app db$`));
    await lab.lab('heal');
    await lab.expectHealthy();
  });

  it('--check selects and excludes; --junit writes a report; --port is honoured', async () => {
    const only = await lab.doctor('--check', '^topology');
    expect(only.report.checks.map((c) => c.id)).toEqual(['topology.exists', 'topology.common-network']);
    const without = await lab.doctor('--check', '!^topology');
    expect(without.report.checks.some((c) => c.id.startsWith('topology'))).toBe(false);
    const junit = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'junit-')), 'doctor.xml');
    await lab.doctor('--junit', junit, '--port', '5999', '--check', 'reach.tcp');
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase classname="tsdiag.doctor" name="reach.tcp"/);
    expect(xml).toMatch(/<failure message="db [0-9.]+:5999 refuses connections/);
  });

  it('the text report: progress per check on stderr, the path drawn, failures first, a counts line last', async () => {
    await lab.lab('fault', 'S13');
    const res = await lab.cli(['--host-netns', lab.name, 'doctor', 'web', 'db']);
    await lab.lab('heal');
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/^\[pass\] topology.exists/m);
    const lines = res.stdout.trim().split('\n');
    expect(lines[2]).toMatch(/^path web -> db on app \(br-[0-9a-f]{12}\)$/);
    expect(lines[3]).toMatch(/^  out   web:eth0 172\.18\.0\.\d+ → veth[0-9a-f]{7} → br-[0-9a-f]{12} → firewall → veth[0-9a-f]{7} → db:eth0 172\.18\.0\.\d+$/);
    expect(lines[4]).toMatch(/^  back  db:eth0/);
    expect(lines[5]).toBe('');
    expect(lines[6]).toMatch(/^FAIL /);
    expect(lines.at(-1)).toMatch(/^\d+ failed, \d+ warned, \d+ passed, \d+ skipped in [0-9.]+ s$/);
    expect(res.stdout).toMatch(/fix: restart the service in db bound to 0\.0\.0\.0:5432/);
  });

  it('bad input: unknown container, bad port, bad regex, one argument -> exit 2 with one line', async () => {
    for (const args of [['web', 'db', '--port', '70000'], ['web', 'db', '--check', '('], ['web'], ['web', 'db', '--backend', 'k8s']]) {
      const res = await lab.cli(['--host-netns', lab.name, 'doctor', ...args]);
      expect(res.exitCode, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/^tsdiag: /);
    }
    // an unknown container is an input error (exit 2) that the report still explains
    const unknown = await lab.cli(['--host-netns', lab.name, 'doctor', 'web', 'nosuch', '--json']);
    expect(unknown.exitCode).toBe(2);
    expect(JSON.parse(unknown.stdout).checks[0]).toMatchObject({ id: 'topology.exists', status: 'fail', summary: 'no container named "nosuch"' });
  });
});
