import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';

describe('ports.conflict on the lab: healthy, S12 (a host process on the port db publishes)', () => {
  const lab = new TestLab();
  beforeAll(async () => lab.up());
  afterAll(async () => lab.down());

  it('healthy: db\'s published port is free of other listeners', async () => {
    const c = lab.check((await lab.doctor('--check', 'ports')).report, 'ports.conflict');
    expect(c.status).toBe('pass');
    expect(c.evidence[0]).toBe('db publishes 0.0.0.0:5432->5432/tcp: nothing else listens there');
  });

  it('S12: names the socket and its owner, the kill fix works, healed the doctor passes', async () => {
    await lab.lab('fault', 'S12');
    const { exitCode, report } = await lab.doctor();
    expect(exitCode).toBe(1);
    const c = lab.check(report, 'ports.conflict');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^host port 5432\/tcp that db publishes is taken: node \(pid \d+\) listens on tcp 0\.0\.0\.0:5432$/);
    expect(c.fix).toMatch(/^kill \d+$/);
    process.kill(Number(c.fix!.split(' ')[1]), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(lab.check((await lab.doctor('--check', 'ports')).report, 'ports.conflict').status).toBe('pass');
    await lab.lab('heal');
    const healed = await lab.doctor();
    expect(healed.exitCode, JSON.stringify(healed.report.checks.filter((x) => x.status === 'fail'))).toBe(0);
  });
});
