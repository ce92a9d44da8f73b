import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS lab helpers shared with the fixture generator and benchmarks
import { Lab, inNs, sleep, stop, waitFor } from '../../bench/capture/lab.mjs';
import { tcpdumpLines } from '../unit/capture/oracle.js';

/**
 * Files as tcpdump 4.99 writes them: -r IN -w OUT FILTER and -C/-W rings
 * byte for byte against tcpdump itself; -r - and -w - through pipes; live
 * rotation by size and time in two namespaces made here (tcap-<pid>-files-a/b),
 * every file read by tcpdump and capinfos without a warning.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(ROOT, 'bench/capture/run-capture.mjs');
const FIXTURES = path.join(ROOT, 'fixtures/pcap');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-files-'));
const env = { ...process.env, TZ: 'UTC' };
let lab: any;

/** tsdiag capture outside any namespace (files only) */
function tsdiag(args: string[], input?: Buffer) {
  return spawnSync(process.execPath, [RUNNER, ...args], { input, env, encoding: 'buffer' });
}

/** tcpdump as root (it would drop to user tcpdump, who may not write in tmp) */
function tcpdump(args: string[], input?: Buffer) {
  return spawnSync('tcpdump', ['-Z', 'root', ...args], { input, env, encoding: 'buffer' });
}

function dirOf(name: string): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** capinfos reads the file without a warning; its packet count */
function capinfosCount(file: string): number {
  const res = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  expect(res.stderr, file).toBe('');
  expect(res.status).toBe(0);
  return Number(/Number of packets:\s+(\d+)/.exec(res.stdout)?.[1] ?? -1);
}

/** tcpdump -r reads the whole file without a warning; its lines */
function tcpdumpReads(file: string): string[] {
  const res = spawnSync('tcpdump', ['-n', '-r', file], { encoding: 'latin1', env });
  expect(res.status, file).toBe(0);
  expect(res.stderr.trim()).toMatch(/^reading from file [^\n]*$/);
  return res.stdout.split('\n').slice(0, -1);
}

/** the same file names and bytes in both directories */
function expectSameFiles(expected: string, actual: string): string[] {
  const names = fs.readdirSync(expected).sort();
  expect(fs.readdirSync(actual).sort()).toEqual(names);
  for (const n of names) expect(fs.readFileSync(path.join(actual, n)).equals(fs.readFileSync(path.join(expected, n))), n).toBe(true);
  return names;
}

beforeAll(() => {
  lab = new Lab('files').setup({ ipv6: false });
});

afterAll(() => {
  lab?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('-r IN -w OUT FILTER: the records tcpdump keeps, byte for byte', () => {
  const pcapng = path.join(tmp, 'basic.pcapng');
  beforeAll(() => execFileSync('editcap', ['-F', 'pcapng', path.join(FIXTURES, 'basic.pcap'), pcapng]));

  const cases: [string, string, string[]][] = [
    ['basic.pcap', 'icmp', ['icmp']],
    ['basic.pcap', 'no filter', []],
    ['dns.pcap', 'udp port 53', ['udp', 'port', '53']],
    ['ipv6.pcap', 'ip6 and not icmp6', ['ip6', 'and', 'not', 'icmp6']],
    ['any-sll2.pcap', 'tcp', ['tcp']],
    ['basic.pcapng', 'arp or icmp (pcapng in, pcap out)', ['arp', 'or', 'icmp']],
  ];
  for (const [name, what, filter] of cases) {
    it(`${name}: ${what}`, () => {
      const input = name.endsWith('.pcapng') ? pcapng : path.join(FIXTURES, name);
      const theirs = path.join(tmp, `td-${what.replace(/\W+/g, '_')}-${name}`);
      const ours = path.join(tmp, `ts-${what.replace(/\W+/g, '_')}-${name}`);
      expect(tcpdump(['-r', input, '-w', theirs, ...filter]).status).toBe(0);
      const res = tsdiag(['-r', input, '-w', ours, ...filter]);
      expect(res.status, res.stderr.toString()).toBe(0);
      expect(fs.readFileSync(ours).equals(fs.readFileSync(theirs))).toBe(true);
      expect(capinfosCount(ours)).toBeGreaterThan(0);
    });
  }

  it('-r - -w - FILTER: a pipe in, a pipe out', () => {
    const input = fs.readFileSync(path.join(FIXTURES, 'basic.pcap'));
    const res = tsdiag(['-r', '-', '-w', '-', 'icmp'], input);
    expect(res.status, res.stderr.toString()).toBe(0);
    expect(res.stdout.equals(tcpdump(['-r', '-', '-w', '-', 'icmp'], input).stdout)).toBe(true);
  });
});

describe('-C SIZE with -W COUNT: tcpdump\'s files, byte for byte', () => {
  const big = path.join(tmp, 'big.pcap');
  beforeAll(() => {
    // ~4 MB: the smallest -C is one million bytes
    execFileSync('mergecap', ['-F', 'pcap', '-a', '-w', big, ...Array(400).fill(path.join(FIXTURES, 'ipv6.pcap'))]);
  });

  for (const ring of [[], ['-W', '3'], ['-W', '11'], ['-W', '1']]) {
    it(`-C 1 ${ring.join(' ')}`, () => {
      const tag = ring.join('') || 'none';
      const theirs = dirOf(`ring-td-${tag}`);
      const ours = dirOf(`ring-ts-${tag}`);
      expect(tcpdump(['-r', big, '-w', path.join(theirs, 'out.pcap'), '-C', '1', ...ring]).status).toBe(0);
      const res = tsdiag(['-r', big, '-w', path.join(ours, 'out.pcap'), '-C', '1', ...ring]);
      expect(res.status, res.stderr.toString()).toBe(0);
      const names = expectSameFiles(theirs, ours);
      expect(names.length).toBe(ring[1] === '1' ? 1 : ring[1] === '3' ? 3 : 5);
      for (const n of names) capinfosCount(path.join(ours, n));
    });
  }

  it('-z PROGRAM runs on each file closed at a rotation, with its name as the one argument', async () => {
    const dir = dirOf('z');
    const log = path.join(dir, 'z.log');
    const script = path.join(tmp, 'z.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho "$#:$1" >> ${log}\n`, { mode: 0o755 });
    const res = tsdiag(['-r', big, '-w', path.join(dir, 'o.pcap'), '-C', '1', '-W', '3', '-z', script]);
    expect(res.status, res.stderr.toString()).toBe(0);
    await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').split('\n').length > 4, 5000, () => 'no -z runs');
    expect(fs.readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['o.pcap0', 'o.pcap0', 'o.pcap1', 'o.pcap2'].map((n) => `1:${path.join(dir, n)}`));
  });
});

describe('bad input: one line, exit 2, nothing created', () => {
  const cases: [string[], string][] = [
    [['-C', '1'], '-C needs -w FILE'],
    [['-w', 'OUT', '-W', '3'], '-W needs -C SIZE or -G SECONDS'],
    [['-w', 'OUT', '-C', '0'], 'invalid file size 0'],
    [['-w', 'OUT', '-C', '0.01'], 'invalid file size 0.01'],
    [['-w', 'OUT', '-C', '1', '-W', 'x'], 'invalid number of output files x'],
    [['-w', 'OUT', '-G', '-1'], 'invalid number of seconds -1'],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), () => {
      const dir = dirOf(`bad-${args.join('')}`);
      const res = tsdiag(['-r', path.join(FIXTURES, 'basic.pcap'), ...args.map((a) => (a === 'OUT' ? path.join(dir, 'o.pcap') : a))]);
      expect(res.status).toBe(2);
      expect(res.stderr.toString()).toBe(`tsdiag capture: ${message}\n`);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  }

  it('-r - with nothing on stdin: libpcap\'s words, as tcpdump prints them', () => {
    const res = tsdiag(['-r', '-'], Buffer.alloc(0));
    expect(res.status).toBe(2);
    expect(res.stderr.toString()).toBe('tsdiag capture: truncated dump file; tried to read 4 file header bytes, only got 0\n');
    expect(tcpdump(['-r', '-'], Buffer.alloc(0)).stderr.toString()).toBe('tcpdump: truncated dump file; tried to read 4 file header bytes, only got 0\n');
  });

  it('-r - prints a pcap from stdin as tcpdump -r - does', () => {
    const input = fs.readFileSync(path.join(FIXTURES, 'dns.pcap'));
    const res = tsdiag(['-r', '-'], input);
    expect(res.status).toBe(0);
    expect(res.stdout.toString('latin1')).toBe(tcpdump(['-n', '-r', '-'], input).stdout.toString('latin1'));
  });
});

function startCapture(args: string[]) {
  return lab.spawnIn(lab.a, process.execPath, [RUNNER, ...args], { env });
}

async function listening(p: any) {
  await waitFor(() => p.stderrText.includes('listening on') || p.exitCode !== null, 10_000, () => `capture did not start: ${p.stderrText}`);
  await sleep(200);
}

const capturedCount = (stderr: string) => Number(/(\d+) packets? captured/.exec(stderr)?.[1] ?? -1);

describe('live rotation', () => {
  it('-C 1 -W 3: a ring of whole files, ended by SIGINT', async () => {
    const dir = dirOf('live-ring');
    const p = startCapture(['-i', 'a0', '-w', path.join(dir, 'ring.pcap'), '-C', '1', '-W', '3', 'icmp']);
    await listening(p);
    // ~5 MB of fragmented echo requests and replies
    inNs(lab.a, 'ping', ['-f', '-c', '300', '-s', '8000', '-q', '10.250.1.2']);
    await sleep(500);
    expect((await stop(p, 'SIGINT')).code, p.stderrText).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['ring.pcap0', 'ring.pcap1', 'ring.pcap2']);
    const sizes = fs.readdirSync(dir).map((n) => fs.statSync(path.join(dir, n)).size);
    expect(sizes.filter((s) => s > 1_000_000).length).toBeGreaterThanOrEqual(2);
    for (const n of fs.readdirSync(dir)) expect(tcpdumpReads(path.join(dir, n)).length).toBe(capinfosCount(path.join(dir, n)));
    expect(p.stderrText).toMatch(/\n0 packets dropped by kernel\n/);
  });

  it('-G 1 -W 3: a file a second named by strftime, stops after three', async () => {
    const dir = dirOf('live-time');
    const template = path.join(dir, 'dump-%H%M%S.pcap');
    const p = startCapture(['-i', 'a0', '-w', template, '-G', '1', '-W', '3']);
    await listening(p);
    const ping = lab.spawnIn(lab.a, 'ping', ['-i', '0.05', '-w', '6', '10.250.1.2']);
    const res = await p.exited;
    await stop(ping, 'SIGINT');
    expect(res.code, p.stderrText).toBe(0);
    expect(p.stderrText).toMatch(/^Maximum file limit reached: 3\n\d+ packets captured\n/m);
    const names = fs.readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^dump-\d{6}\.pcap$/);
    let total = 0;
    for (const n of names) {
      const lines = tcpdumpReads(path.join(dir, n));
      expect(lines.length).toBe(capinfosCount(path.join(dir, n)));
      total += lines.length;
    }
    expect(total).toBe(capturedCount(p.stderrText));
  });
});

describe('-w - into tcpdump -r -', () => {
  it('the lines tcpdump prints of its own capture, nothing else on stdout', async () => {
    const file = path.join(tmp, 'own.pcap');
    const dump = await lab.tcpdump(lab.a, 'a0', file, ['icmp']);
    const p = startCapture(['-i', 'a0', '-w', '-', '-c', '6', 'icmp']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => chunks.push(d));
    await listening(p);
    inNs(lab.a, 'ping', ['-c', '4', '-i', '0.05', '10.250.1.2']);
    expect((await p.exited).code, p.stderrText).toBe(0);
    await sleep(1200);
    await stop(dump, 'SIGINT');
    // -t: two sockets may see a packet a microsecond apart; the decoding is what is compared
    const piped = tcpdump(['-n', '-t', '-r', '-'], Buffer.concat(chunks));
    expect(piped.stderr.toString()).toMatch(/^reading from file -, link-type EN10MB \(Ethernet\), snapshot length 262144\n$/);
    const lines = piped.stdout.toString('latin1').split('\n').slice(0, -1);
    expect(lines).toHaveLength(6);
    const own = tcpdumpLines(file, ['-t']);
    const start = own.indexOf(lines[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(own.slice(start, start + 6)).toEqual(lines);
  });
});
