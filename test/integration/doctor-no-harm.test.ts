import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import type { DoctorJson } from '../helpers/lab.js';
import { TestSandbox, waitFor } from '../helpers/sandbox.js';

/**
 * Do no harm: the doctor's TCP probes close as a polite client does (FIN
 * after reading what the server sent), so a service that dies on a reset
 * survives them. db runs two servers that greet first, as SMTP, SSH or MySQL
 * do (a greeting unread at close is what makes a kernel send an RST): one with
 * no 'error' handler on its sockets (an RST kills it with an uncaught
 * ECONNRESET), one that counts resets. The kernel's own counters (nstat) in
 * both namespaces are the independent witness.
 */
const FRAGILE = 5432;
const COUNTING = 5433;
const RUNS = 100;

const greeter = (port: number, counting: boolean): string[] => [process.execPath, '-e', `
  require('net').createServer((s) => {
    console.log('conn');
    ${counting ? `s.on('error', (e) => console.log(e.code === 'ECONNRESET' ? 'reset' : 'error ' + e.code));` : ''}
    s.write('220 ready\\r\\n');
  }).listen(${port}, '0.0.0.0');`];

/** A client that reads the greeting and closes politely: the server still answers. */
const greeted = (host: string, port: number): string[] => [process.execPath, '-e', `
  const s = require('net').connect(${port}, ${JSON.stringify(host)});
  s.once('data', (d) => { process.stdout.write(String(d)); s.end(); });
  s.on('data', () => undefined);
  s.on('close', () => process.exit(0));
  s.on('error', (e) => { console.error(e.message); process.exit(1); });
  setTimeout(() => { console.error('timeout'); process.exit(1); }, 3000);`];

/** tcpdump on eth0 of NETNS writing FILE (the servers' ports only); the returned stop gives its lines. */
async function sniff(sb: TestSandbox, netns: string, file: string): Promise<() => Promise<string[]>> {
  const p = sb.background(netns, ['tcpdump', '-n', '-U', '-i', 'eth0', '-w', file, 'tcp port 5432 or tcp port 5433']);
  let banner = '';
  p.stderr!.on('data', (d: Buffer) => { banner += String(d); });
  await waitFor(async () => banner.includes('listening on'));
  return async () => {
    p.kill('SIGINT');
    await p;
    return (await run('tcpdump', ['-n', '-r', file])).stdout.split('\n').filter(Boolean);
  };
}

/**
 * Resets CLIENT sent that answer a SYN-ACK of a handshake it never completed (no ACK of its own after its SYN on that
 * connection): the only reset that harms no one. Any other reset is not counted here.
 */
function abandonedHandshakes(lines: string[], client: string): number {
  const acked = new Set<string>();
  let count = 0;
  for (const l of lines) {
    const m = /IP (\S+) > (\S+): Flags \[([^\]]+)\]/.exec(l);
    if (!m) continue;
    const [, src, dst, flags] = m;
    if (!src!.startsWith(`${client}.`)) continue;
    const conn = `${src} ${dst!.replace(/:$/, '')}`;
    if (flags === 'S') acked.delete(conn);
    else if (flags === 'R' && !acked.has(conn)) count++;
    else acked.add(conn);
  }
  return count;
}

/** The kernel's reset counters of a namespace: sent, received on an established connection, aborted at close. */
const RESET_COUNTERS = ['TcpOutRsts', 'TcpEstabResets', 'TcpExtTCPAbortOnData', 'TcpExtTCPAbortOnClose', 'TcpExtTCPAbortOnLinger'];

describe('doctor does no harm to the service it probes', () => {
  let sb: TestSandbox;
  let dbIp = '';
  let webIp = '';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-harm-'));
  const lines: Record<number, string[]> = { [FRAGILE]: [], [COUNTING]: [] };
  const alive: Record<number, boolean> = { [FRAGILE]: true, [COUNTING]: true };

  const resets = async (netns: string): Promise<Record<string, number>> => {
    // -a absolute, -s no history file (it is shared between namespaces), -z zeros too
    const out = (await sb.inNetns(netns, ['nstat', '-asz', ...RESET_COUNTERS])).stdout;
    return Object.fromEntries(RESET_COUNTERS.map((k) => [k, Number(new RegExp(`^${k}\\s+(\\d+)`, 'm').exec(out)?.[1] ?? NaN)]));
  };
  const moved = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(RESET_COUNTERS.map((k) => [k, after[k]! - before[k]!]).filter(([, d]) => d !== 0));

  /** Our sockets that are left half-open: TIME-WAIT is fine, FIN-WAIT-2 or CLOSE-WAIT is not. */
  const halfOpen = async (): Promise<string[]> => {
    const out = (await sb.inNetns(sb.containerNetns('web'), ['ss', '-Htan', 'state', 'fin-wait-1', 'state', 'fin-wait-2', 'state', 'close-wait', 'state', 'last-ack', 'state', 'closing'])).stdout;
    return out.split('\n').filter((l) => l.trim());
  };

  beforeAll(async () => {
    sb = await TestSandbox.create('harm');
    await sb.ok(['network', 'create', 'app']);
    await sb.ok(['run', '--name', 'web', '--network', 'app']);
    await sb.ok(['run', '--name', 'db', '--network', 'app']);
    dbIp = (await sb.state()).containers.db.endpoints[0].ipv4;
    webIp = (await sb.state()).containers.web.endpoints[0].ipv4;
    for (const port of [FRAGILE, COUNTING]) {
      const p = sb.background(sb.containerNetns('db'), greeter(port, port === COUNTING));
      p.stdout!.on('data', (d: Buffer) => lines[port]!.push(...String(d).split('\n').filter(Boolean)));
      p.stderr!.on('data', (d: Buffer) => lines[port]!.push(`stderr: ${String(d)}`));
      void p.then(() => { alive[port] = false; });
    }
    await waitFor(async () => {
      const listening = (await sb.inNetns(sb.containerNetns('db'), ['ss', '-Hltn'])).stdout;
      return listening.includes(`:${FRAGILE}`) && listening.includes(`:${COUNTING}`);
    });
  }, 60_000);
  afterAll(async () => {
    await sb?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`both servers survive ${RUNS} doctor runs with no reset seen, and no socket of ours is left half-open`, async () => {
    // the packets themselves, for the one reset that is no harm (see abandonedHandshakes) and for any other's evidence
    const sniffers = await Promise.all(['web', 'db'].map((c) => sniff(sb, sb.containerNetns(c), path.join(tmp, `${c}.pcap`))));
    const before = { web: await resets(sb.containerNetns('web')), db: await resets(sb.containerNetns('db')) };
    const leftOpen: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = i % 2 === 0 ? FRAGILE : COUNTING;
      // every tenth run through a probe agent in web (the path without the native addon's sockets)
      const env = i % 10 === 9 ? { TSDIAG_NATIVE: '-probe-sockets' } : {};
      // every check but dns.upstream: the sandbox has no upstream to ask, and its timeout would be most of the time
      const res = await sb.cli(['doctor', 'web', 'db', '--port', String(port), '--json', '--check', '^(?!dns\\.upstream$)'], { env });
      const report = JSON.parse(res.stdout) as DoctorJson;
      expect(report.checks.find((c) => c.id === 'reach.tcp')?.status, `run ${i}: ${res.stdout}`).toBe('pass');
      expect(alive, `run ${i} (port ${port}) killed a server: ${lines[port]!.join('\n')}`).toEqual({ [FRAGILE]: true, [COUNTING]: true });
      leftOpen.push(...await halfOpen());
    }
    const after = { web: await resets(sb.containerNetns('web')), db: await resets(sb.containerNetns('db')) };
    const packets = { web: await sniffers[0]!(), db: await sniffers[1]!() };

    expect(lines[COUNTING]!.filter((l) => l !== 'conn')).toEqual([]);
    // a probe that gave up on a handshake (a connect timeout on a loaded host) and saw the SYN-ACK come after its
    // close answers it with a reset: the server's kernel drops the half-made connection, its application never sees it
    const harmless = abandonedHandshakes(packets.web, webIp);
    const resetLines = [...packets.web, ...packets.db].filter((l) => /Flags \[R/.test(l));
    expect(moved(before.web, after.web), resetLines.join('\n')).toEqual(harmless ? { TcpOutRsts: harmless } : {});
    expect(moved(before.db, after.db), resetLines.join('\n')).toEqual({});
    expect(leftOpen).toEqual([]);
    // the probes did reach both servers, at least once per run
    for (const port of [FRAGILE, COUNTING]) expect(lines[port]!.filter((l) => l === 'conn').length).toBeGreaterThanOrEqual(RUNS / 2);
    for (const port of [FRAGILE, COUNTING]) {
      const answer = await sb.inNetns(sb.containerNetns('web'), greeted(dbIp, port));
      expect(answer.stdout, answer.stderr).toBe('220 ready'); // execa drops the last line break
    }
  }, 180_000);
});
