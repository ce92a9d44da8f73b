import fs from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type TestSandbox, waitFor } from '../helpers/sandbox.js';
import { PairSandbox } from '../helpers/pair-sandbox.js';
import type { DoctorJson } from '../helpers/lab.js';

/**
 * Drops in native nftables, each built by hand with `nft` in a sandbox: the
 * doctor names the rule (family, table, chain, handle and text) or the policy
 * that nftrace saw drop its probe, reach.* say "because of fw.rule-drop", and
 * the printed fix, run for real, makes the doctor pass.
 */
describe('doctor: fw.rule-drop names the nf_tables rule that drops the probe', () => {
  let pair: PairSandbox;
  let sb: TestSandbox;
  let bridge = '';
  let hostEnd: Record<string, string> = {};

  beforeAll(async () => {
    pair = await PairSandbox.create('nft');
    ({ sb, bridge, hostEnd } = pair);
  });
  afterAll(async () => pair?.dispose());

  const nft = async (netns: string, script: string) => {
    const res = await execa('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: script, reject: false });
    expect(res.exitCode, res.stderr).toBe(0);
  };
  const tables = async (netns: string) => String((await execa('ip', ['netns', 'exec', netns, 'nft', 'list', 'tables'])).stdout);
  const doctor = () => pair.doctor();
  const check = (r: DoctorJson, id: string) => pair.check(r, id);
  const runFix = (fix: string) => pair.runFix(fix);

  async function expectRuleDrop(named: RegExp, fix: RegExp) {
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = check(report, 'fw.rule-drop');
    expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
    expect(`${c.summary}\n${c.evidence.join('\n')}`).toMatch(named);
    expect(c.evidence.join('\n')).toMatch(/named by nftrace/);
    expect(report.checks.filter((x) => x.status === 'fail' && x.id !== 'fw.rule-drop').map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    for (const id of ['reach.icmp', 'reach.tcp']) {
      const r = check(report, id);
      if (r.status !== 'pass') expect(r.summary).toContain('because of fw.rule-drop');
    }
    expect(check(report, 'reach.tcp').status).not.toBe('pass');
    expect(c.fix).toMatch(fix);
    for (const ns of [sb.name, sb.containerNetns('web'), sb.containerNetns('db')]) expect(await tables(ns)).not.toContain('tsdiag_trace_');
    await runFix(c.fix!);
    const after = await doctor();
    expect(after.report.checks.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    return c;
  }

  it('a healthy pair: fw.rule-drop passes and nothing is traced', async () => {
    const { exitCode, report } = await doctor();
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(exitCode).toBe(0);
    expect(check(report, 'fw.rule-drop').evidence.join('\n')).not.toMatch(/nftrace/);
  });

  it('a drop in inet filter forward of the host namespace (as firewalld writes)', async () => {
    await nft(sb.name, 'table inet filter {\n chain forward {\n type filter hook forward priority 0; policy accept;\n tcp dport 5432 counter drop\n }\n}\n');
    await expectRuleDrop(/rule handle \d+ of inet filter forward drops web -> db: tcp dport 5432 counter drop/,
      new RegExp(`^ip netns exec ${sb.name} nft delete rule inet filter forward handle \\d+$`));
    await nft(sb.name, 'delete table inet filter\n');
  });

  it('a drop in a bridge family table', async () => {
    await nft(sb.name, 'table bridge filter {\n chain forward {\n type filter hook forward priority 0; policy accept;\n ip daddr 172.18.0.2 tcp dport 5432 drop\n }\n}\n');
    await expectRuleDrop(/rule handle \d+ of bridge filter forward drops web -> db: ip daddr 172\.18\.0\.2 tcp dport 5432 drop/,
      /nft delete rule bridge filter forward handle \d+$/);
    await nft(sb.name, 'delete table bridge filter\n');
  });

  it('a drop in a netdev ingress chain on db\'s host veth (its replies)', async () => {
    await nft(sb.name, `table netdev guard {\n chain ing {\n type filter hook ingress device "${hostEnd.db}" priority 0; policy accept;\n tcp sport 5432 drop\n }\n}\n`);
    await expectRuleDrop(/rule handle \d+ of netdev guard ing drops web -> db: tcp sport 5432 drop/, /nft delete rule netdev guard ing handle \d+$/);
    await nft(sb.name, 'delete table netdev guard\n');
  });

  it('a drop in an ip docker-bridges table (Docker 29\'s nftables backend)', async () => {
    await nft(sb.name, `table ip docker-bridges {\n chain filter-forward {\n type filter hook forward priority 0; policy accept;\n oifname "${bridge}" ip daddr 172.18.0.2 tcp dport 5432 counter drop\n }\n}\n`);
    await expectRuleDrop(/rule handle \d+ of ip docker-bridges filter-forward drops web -> db/, /nft delete rule ip docker-bridges filter-forward handle \d+$/);
    await nft(sb.name, 'delete table ip docker-bridges\n');
  });

  it('a REJECT in db\'s own namespace (inet filter input)', async () => {
    await nft(sb.containerNetns('db'), 'table inet filter {\n chain input {\n type filter hook input priority 0; policy accept;\n tcp dport 5432 reject with tcp reset\n }\n}\n');
    const c = await expectRuleDrop(/rule handle \d+ of inet filter input \(in db's namespace\) rejects web -> db: tcp dport 5432 reject with tcp reset/,
      new RegExp(`^tsdiag --host-netns ${sb.name} exec db -- nft delete rule inet filter input handle \\d+$`));
    expect(c.summary).toMatch(/rejects/);
    await nft(sb.containerNetns('db'), 'delete table inet filter\n');
  });

  it('an inet forward chain with policy drop: fw.forward-policy names it (fw.rule-drop, which traced it, says because of), the fix accepts the bridge\'s traffic', async () => {
    await nft(sb.name, 'table inet fw {\n chain forward {\n type filter hook forward priority 0; policy drop;\n ct state established,related accept\n }\n}\n');
    try {
      const { exitCode, report } = await doctor();
      expect(exitCode).toBe(1);
      const c = check(report, 'fw.forward-policy');
      expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
      expect(c.summary).toMatch(/nft chain inet fw forward has policy drop/);
      expect(report.checks.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['fw.forward-policy']);
      const drop = check(report, 'fw.rule-drop');
      expect(drop).toMatchObject({ status: 'skip', because: 'fw.forward-policy' });
      expect(drop.summary).toMatch(/the policy drop of inet fw forward drops web -> db/);
      expect(c.fix).toMatch(new RegExp(`^ip netns exec ${sb.name} nft`));
      await runFix(c.fix!);
      const after = await doctor();
      expect(after.report.checks.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    } finally {
      await nft(sb.name, 'delete table inet fw\n').catch(() => undefined);
    }
  });

  it('an iptables-nft rule in TSDIAG-USER keeps its iptables words and fix', async () => {
    await execa('ip', ['netns', 'exec', sb.name, 'iptables-nft', '-I', 'TSDIAG-USER', '-p', 'tcp', '--dport', '5432', '-j', 'DROP']);
    const c = await expectRuleDrop(/./, new RegExp(`^ip netns exec ${sb.name} iptables -D TSDIAG-USER 1$`));
    expect(c.summary).toBe('rule #1 of filter TSDIAG-USER drops web -> db: -A TSDIAG-USER -p tcp -m tcp --dport 5432 -j DROP');
  });

  it('SIGINT to the doctor while it traces leaves no trace table in any namespace and no tracefs instance', async () => {
    await nft(sb.name, 'table inet filter {\n chain forward {\n type filter hook forward priority 0; policy accept;\n tcp dport 5432 drop\n }\n}\n');
    try {
      const namespaces = [sb.name, sb.containerNetns('web'), sb.containerNetns('db')];
      // the trace lasts only until nftrace sees the drop (tens of ms): a monitor catches its tables' creation where polling would miss it
      const monitor = execa('ip', ['netns', 'exec', sb.name, 'nft', 'monitor', 'tables'], { reject: false });
      let seen = '';
      monitor.stdout!.on('data', (d: Buffer) => { seen += d.toString(); });
      let res;
      let pid: number | undefined;
      try {
        await nft(sb.name, 'add table inet tsdiag_test_ready\ndelete table inet tsdiag_test_ready\n');
        await waitFor(async () => seen.includes('tsdiag_test_ready'), 5_000);
        const run = execa(process.execPath, [CLI, 'doctor', 'web', 'db', '--port', '5432', '--check', '^(fw|reach|kernel)\\.'], { env: sb.env(), reject: false });
        // the trace tables appear once the failed probe is sent again
        await waitFor(async () => seen.includes('tsdiag_trace_'), 10_000);
        run.kill('SIGINT');
        pid = run.pid;
        res = await run;
      } finally {
        monitor.kill();
        await monitor;
      }
      expect(res!.signal ?? res!.exitCode).toBeTruthy();
      for (const ns of namespaces) expect(await tables(ns)).not.toContain('tsdiag_trace_');
      expect(fs.readdirSync('/sys/kernel/tracing/instances').filter((n) => n.startsWith(`tsdiag-${pid}-`))).toEqual([]);
      expect(String((await execa('ps', ['-eo', 'args'])).stdout)).not.toMatch(/nft -a monitor/);
    } finally {
      await nft(sb.name, 'delete table inet filter\n');
    }
  });
});
