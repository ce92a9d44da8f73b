import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS lab helpers shared with the fixture generator and benchmarks
import { Lab, inNs, sleep, stop, waitFor } from '../../bench/capture/lab.mjs';
import { tcpdumpLines, tsdiagLines } from '../unit/capture/oracle.js';

/**
 * Live captures in two namespaces made here (tcap-<pid>-live-a/b): files
 * ended by SIGINT, SIGTERM and -c must read back whole in tcpdump, capinfos
 * and tsdiag; pcapng shows the interface name in tshark; bad input exits 2.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(ROOT, 'bench/capture/run-capture.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-'));
let lab: any;


function startCapture(args: string[]) {
  return lab.spawnIn(lab.a, process.execPath, [RUNNER, ...args], { env: { ...process.env, TZ: 'UTC' } });
}

async function listening(p: any) {
  await waitFor(() => p.stderrText.includes('listening on') || p.exitCode !== null, 10_000, () => `capture did not start: ${p.stderrText}`);
  await sleep(200);
}

function traffic() {
  inNs(lab.a, 'ping', ['-c', '3', '-i', '0.05', '10.250.1.2']);
  inNs(lab.a, 'ping', ['-c', '1', '-s', '2000', '10.250.1.2']);
}

function capturedCount(stderr: string): number {
  return Number(/(\d+) packets? captured/.exec(stderr)?.[1] ?? -1);
}

/** capinfos must read the file without a warning */
function capinfosCount(file: string): number {
  const res = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  expect(res.status).toBe(0);
  expect(res.stderr).toBe('');
  return Number(/Number of packets:\s+(\d+)/.exec(res.stdout)?.[1] ?? -1);
}

/** tcpdump -r must read the whole file without a warning on stderr */
function tcpdumpReads(file: string): string[] {
  const res = spawnSync('tcpdump', ['-n', '-r', file], { encoding: 'latin1', env: { ...process.env, TZ: 'UTC' } });
  expect(res.status).toBe(0);
  expect(res.stderr.trim()).toMatch(/^reading from file [^\n]*$/);
  return res.stdout.split('\n').slice(0, -1);
}

beforeAll(() => {
  lab = new Lab('live').setup({ ipv6: false });
});

afterAll(() => {
  lab?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('live capture to a file', () => {
  for (const ending of ['SIGINT', 'SIGTERM', 'count'] as const) {
    it(`ends by ${ending} with every record whole`, async () => {
      const file = path.join(tmp, `${ending}.pcap`);
      const p = startCapture(['-i', 'a0', '-w', file, ...(ending === 'count' ? ['-c', '5'] : [])]);
      await listening(p);
      traffic();
      await sleep(300);
      const res = ending === 'count' ? await p.exited : await stop(p, ending);
      expect(res.code, p.stderrText).toBe(0);
      const captured = capturedCount(p.stderrText);
      if (ending === 'count') expect(captured).toBe(5);
      expect(captured).toBeGreaterThan(0);
      expect(p.stderrText).toMatch(/\d+ packets? received by filter\n\d+ packets? dropped by kernel\n/);
      expect(capinfosCount(file)).toBe(captured);
      expect(tcpdumpReads(file)).toHaveLength(captured);
      expect(await tsdiagLines(file, [])).toEqual(tcpdumpLines(file, []));
    });
  }

  /**
   * tsdiag printing live and tcpdump writing a file at the same time: the
   * lines from tsdiag's first packet on must be tcpdump's for that file.
   */
  async function expectLiveLinesLikeTcpdump(iface: string, tcpdumpArgs: string[], flags: string[]): Promise<string[]> {
    const file = path.join(tmp, `same-${iface}.pcap`);
    const dump = await lab.tcpdump(lab.a, iface, file, tcpdumpArgs);
    const p = startCapture([...flags, '-i', iface, '-c', '8']);
    await listening(p);
    traffic();
    await p.exited;
    await sleep(1200);
    await stop(dump, 'SIGINT');
    const live = p.stdoutText.split('\n').slice(0, -1);
    expect(live, p.stderrText).toHaveLength(8);
    // the two captures may start a packet apart: compare from tsdiag's first packet on
    const fromTcpdump = tcpdumpLines(file, flags);
    const start = fromTcpdump.indexOf(live[0]!);
    expect(start, `${live[0]} not in tcpdump's capture:\n${fromTcpdump.join('\n')}`).toBeGreaterThanOrEqual(0);
    expect(fromTcpdump.slice(start, start + 8)).toEqual(live);
    return live;
  }

  // -t: two sockets may see a packet a microsecond apart; the decoding is what is compared
  it('prints lines live like tcpdump does for the same file', async () => {
    await expectLiveLinesLikeTcpdump('a0', [], ['-t']);
  });

  it('-i any: Linux cooked headers in the file, read back as tcpdump reads them', async () => {
    const file = path.join(tmp, 'any.pcap');
    const p = startCapture(['-i', 'any', '-w', file, '-c', '6']);
    await listening(p);
    expect(p.stderrText).toMatch(/listening on any, link-type LINUX_SLL \(Linux cooked v1\)/);
    traffic();
    expect((await p.exited).code, p.stderrText).toBe(0);
    expect(fs.readFileSync(file).readUInt32LE(20)).toBe(113);
    expect(tcpdumpReads(file)).toHaveLength(6);
    for (const flags of [[], ['-e']]) expect(await tsdiagLines(file, flags)).toEqual(tcpdumpLines(file, flags));
  });

  it('-i any prints lines live like tcpdump -y LINUX_SLL does (the link type the pcap package opens)', async () => {
    const live = await expectLiveLinesLikeTcpdump('any', ['-y', 'LINUX_SLL'], ['-t', '-e']);
    expect(live.some((l) => l.startsWith('Out '))).toBe(true);
  });

  // -Q: the direction is a term of the filter on the cooked header (the pcap package has no pcap_setdirection); tcpdump -Q alongside
  for (const [direction, expected] of [['in', 'echo reply'], ['out', 'echo request']] as const) {
    it(`-Q ${direction} keeps only the packets ${direction === 'in' ? 'received' : 'sent'}, as tcpdump -Q ${direction}`, async () => {
      const file = path.join(tmp, `direction-${direction}.pcap`);
      const dump = await lab.tcpdump(lab.a, 'any', file, ['-y', 'LINUX_SLL', '-Q', direction, 'icmp']);
      const p = startCapture(['-t', '-Q', direction, '-i', 'any', '-c', '3', 'icmp']);
      await listening(p);
      inNs(lab.a, 'ping', ['-c', '3', '-i', '0.05', '10.250.1.2']);
      expect((await p.exited).code, p.stderrText).toBe(0);
      await sleep(1200);
      await stop(dump, 'SIGINT');
      const live = p.stdoutText.split('\n').slice(0, -1);
      expect(live).toHaveLength(3);
      for (const line of live) expect(line).toContain(`ICMP ${expected}`);
      expect(tcpdumpLines(file, ['-t'])).toEqual(live);
    });
  }

  it('writes pcapng with the interface name that tshark shows', async () => {
    const file = path.join(tmp, 'named.pcapng');
    const p = startCapture(['-i', 'a0', '-w', file, '--pcapng', '-c', '4']);
    await listening(p);
    traffic();
    expect((await p.exited).code, p.stderrText).toBe(0);
    const fields = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(fields.trim().split('\n')).toEqual(['a0', 'a0', 'a0', 'a0']);
    expect(capinfosCount(file)).toBe(4);
  });
});

describe('containers, names and filters', () => {
  function writeState(stateDir: string): void {
    const endpoint = (hostIf: string, ipv4: string) => ({ network: 'app', networkId: 'n'.repeat(64), ifname: 'eth0', hostIf, ipv4, prefixLen: 24, ipv6: null, mac: '02:42:00:00:00:01', aliases: [] });
    const container = (name: string, hostIf: string, ipv4: string) => ({ id: name.padEnd(64, '0'), name, netns: null, networkMode: 'bridge', endpoints: [endpoint(hostIf, ipv4)], ports: [], dns: [], cmd: [], pid: null, created: '' });
    fs.mkdirSync(path.join(stateDir, 'default'), { recursive: true });
    fs.writeFileSync(path.join(stateDir, 'default', 'state.json'), JSON.stringify({
      version: 1, networks: {}, sandbox: null,
      containers: { web: container('web', 'a0', '10.250.1.1'), db: container('db', 'b0-not-here', '10.250.1.2') },
    }));
  }

  it('--container captures on the host end of its veth, pcapng names it web:eth0, --names marks addresses', async () => {
    const stateDir = path.join(tmp, 'state');
    writeState(stateDir);
    const file = path.join(tmp, 'web.pcapng');
    const env = { ...process.env, TZ: 'UTC', TSDIAG_STATE_DIR: stateDir };
    const w = lab.spawnIn(lab.a, process.execPath, [RUNNER, '--container', 'web', '-w', file, '--pcapng', '-c', '2', 'icmp'], { env });
    await listening(w);
    const p = lab.spawnIn(lab.a, process.execPath, [RUNNER, '--container', 'web', '--names', '-c', '2', 'icmp'], { env });
    await listening(p);
    traffic();
    expect((await w.exited).code, w.stderrText).toBe(0);
    expect((await p.exited).code, p.stderrText).toBe(0);
    const names = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(names.trim().split('\n')).toEqual(['web:eth0', 'web:eth0']);
    expect(p.stdoutText).toContain('IP 10.250.1.1(web) > 10.250.1.2(db): ICMP echo request');
  });

  it('an unknown container is bad input', async () => {
    const p = startCapture(['--container', 'nope']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderrText).toMatch(/no such container: nope/);
  });

  it('-r FILE FILTER prints what tcpdump prints with the same filter', async () => {
    const file = path.join(ROOT, 'fixtures/pcap/basic.pcap');
    const p = startCapture(['-r', file, 'icmp', 'or', 'arp']);
    expect((await p.exited).code, p.stderrText).toBe(0);
    const expected = execFileSync('tcpdump', ['-n', '-r', file, 'icmp', 'or', 'arp'], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    expect(p.stdoutText).toBe(expected);
    expect(expected.split('\n').length).toBeGreaterThan(5);
  });
});

describe('bad input: one line on stderr, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown interface', ['-i', 'nosuch0'], /nosuch0: No such device/],
    ['bad filter', ['-i', 'a0', 'tcp', 'and', 'and'], /syntax error/],
    ['missing file', ['-r', path.join(tmp, 'none.pcap')], /No such file/],
    ['not a pcap', ['-r', path.join(ROOT, 'package.json')], /not a pcap file/],
    ['no interface at all', [], /nothing to capture/],
    ['bad count', ['-i', 'a0', '-c', 'x'], /invalid -c/],
    ['bad direction', ['-i', 'any', '-Q', 'up'], /unknown capture direction "up"/],
    ['-Q on an Ethernet interface', ['-i', 'a0', '-Q', 'in'], /-Q needs -i any/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const p = startCapture(args);
      const res = await p.exited;
      expect(res.code).toBe(2);
      expect(p.stderrText).toMatch(message);
      expect(p.stderrText.trim().split('\n')).toHaveLength(1);
    });
  }

  it('a file cut in the middle of a record names the record', async () => {
    const whole = fs.readFileSync(path.join(ROOT, 'fixtures/pcap/basic.pcap'));
    const cut = path.join(tmp, 'cut.pcap');
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const p = startCapture(['-r', cut]);
    const res = await p.exited;
    expect(res.code).toBe(2);
    expect(p.stderrText).toMatch(/record \d+ at byte \d+ is broken/);
    expect(p.stderrText.trim().split('\n')).toHaveLength(1);
    expect(p.stdoutText.split('\n').length).toBeGreaterThan(10);
  });

  it('capturing without CAP_NET_RAW', async () => {
    const p = lab.spawnIn(lab.a, 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, RUNNER, '-i', 'a0']);
    const res = await p.exited;
    expect(res.code).toBe(2);
    expect(p.stderrText).toMatch(/permission|not permitted/i);
    expect(p.stderrText.trim().split('\n')).toHaveLength(1);
  });
});
