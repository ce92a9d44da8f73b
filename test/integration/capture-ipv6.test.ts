import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { TestSandbox, tcpClient, tcpEchoServer, waitFor } from '../helpers/sandbox.js';
import { startCapture, startTcpdump } from '../helpers/engine-capture.js';

/**
 * Live capture on a dual-stack network (tsdiag's own `network create --ipv6`):
 * the same BPF filters given to tsdiag and to the real tcpdump on web's host
 * veth at the same time keep the same packets, printed as tcpdump prints them.
 */
describe('capture on dual-stack traffic: ip6 / ip / ip6 and tcp filters as tcpdump', () => {
  let sb: TestSandbox;
  let web: { v4: string; v6: string; hostIf: string };
  let db: { v4: string; v6: string };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap6-'));

  beforeAll(async () => {
    sb = await TestSandbox.create('cap6');
    await sb.ok(['network', 'create', '--ipv6', 'app']);
    await sb.ok(['run', '--name', 'web', '--network', 'app']);
    await sb.ok(['run', '--name', 'db', '--network', 'app']);
    const state = await sb.state();
    const ep = (n: string) => state.containers[n].endpoints[0];
    web = { v4: ep('web').ipv4, v6: ep('web').ipv6, hostIf: ep('web').hostIf };
    db = { v4: ep('db').ipv4, v6: ep('db').ipv6 };
    sb.background(sb.containerNetns('db'), tcpEchoServer(5432, 'db', '::'));
    await waitFor(async () => (await sb.inNetns(sb.containerNetns('db'), ['ss', '-ltn'])).stdout.includes(':5432'));
    // the link-local addresses' duplicate address detection over, and neighbours known both ways: the filters' packets are then the probes' alone
    for (const c of ['web', 'db']) {
      await waitFor(async () => (await sb.inNetns(sb.containerNetns(c), ['ip', '-6', 'addr', 'show', 'tentative'])).stdout.trim() === '', 10_000);
    }
    for (const addr of [db.v4, db.v6]) await sb.inNetns(sb.containerNetns('web'), ['ping', '-c', '1', '-W', '2', addr]);
  }, 60_000);
  afterAll(async () => {
    await sb?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** tsdiag (printing, -t) and tcpdump (writing a file) on web's veth with one filter, while `traffic` runs; both outputs as lines. */
  async function both(count: number, filter: string[], traffic: () => Promise<unknown>): Promise<{ ours: string[]; theirs: string[] }> {
    const file = path.join(tmp, `${filter.join('_')}.pcap`);
    const tcpdumpDone = await startTcpdump(sb.name, web.hostIf, file, count, filter);
    const capture = await startCapture(sb, ['--container', 'web', '-t', '-c', String(count), ...filter]);
    await traffic();
    const [res] = await Promise.all([capture.done(), tcpdumpDone()]);
    expect(res.exitCode, res.stderr).toBe(0);
    const read = await run('tcpdump', ['-n', '-t', '-r', file], { env: { TZ: 'UTC' } });
    return { ours: res.stdout.trim().split('\n'), theirs: read.stdout.trim().split('\n') };
  }

  const ping = (flag: '-4' | '-6', addr: string) => sb.inNetns(sb.containerNetns('web'), ['ping', flag, '-c', '2', '-i', '0.2', '-W', '2', addr]);

  it('ip6: only the ICMPv6 echoes of a ping -6, none of ping -4; the same lines as tcpdump', async () => {
    const { ours, theirs } = await both(4, ['ip6', 'and', 'icmp6'], async () => {
      await ping('-4', db.v4);
      await ping('-6', db.v6);
    });
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(4);
    expect(ours[0]).toBe(`IP6 ${web.v6} > ${db.v6}: ICMP6, echo request, id ${/id (\d+)/.exec(ours[0]!)?.[1]}, seq 1, length 64`);
    for (const l of ours) expect(l).toMatch(/^IP6 /);
  });

  it('ip: the IPv4 echoes only, on the same dual-stack traffic', async () => {
    const { ours, theirs } = await both(4, ['ip'], async () => {
      await ping('-6', db.v6);
      await ping('-4', db.v4);
    });
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(4);
    for (const l of ours) expect(l).toMatch(new RegExp(`^IP (${web.v4.replace(/\./g, '\\.')}|${db.v4.replace(/\./g, '\\.')}) > `));
  });

  it('ip6 and tcp port 5432: a TCP connection over IPv6 to a server on ::, handshake to close', async () => {
    const { ours, theirs } = await both(3, ['ip6', 'and', 'tcp', 'port', '5432'], () => sb.inNetns(sb.containerNetns('web'), tcpClient(db.v6, 5432)));
    expect(ours).toEqual(theirs);
    expect(ours[0]).toMatch(new RegExp(`^IP6 ${web.v6}\\.\\d+ > ${db.v6}\\.5432: Flags \\[S\\]`));
    expect(ours[1]).toMatch(new RegExp(`^IP6 ${db.v6}\\.5432 > ${web.v6}\\.\\d+: Flags \\[S\\.\\]`));
  });
});
