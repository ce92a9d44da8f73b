import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS lab helpers shared with the fixture generator and benchmarks
import { Lab, inNs, sleep, stop, waitFor } from '../../bench/capture/lab.mjs';
import { tcpdumpLines, tsdiagLines } from '../unit/capture/oracle.js';

/**
 * `-w` when the disk fills up: a 64 KiB tmpfs mounted in a private mount
 * namespace made here (held by a `sleep`, so killing it frees everything),
 * and a file size limit (prlimit --fsize). The file must end at the last
 * whole record, read by tcpdump and capinfos without a warning; tsdiag says
 * so in one line and exits non-zero.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(ROOT, 'bench/capture/run-capture.mjs');
const LIMIT = 64 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-disk-'));
let lab: any;
let holder: ReturnType<typeof spawn> | null = null;

beforeAll(() => {
  lab = new Lab('disk').setup({ ipv6: false });
});

afterAll(() => {
  holder?.kill('SIGKILL');
  lab?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** a mount namespace of its own with a small tmpfs on `dir`; returns the nsenter option that enters it */
async function fullDisk(dir: string): Promise<string> {
  holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '300'], { stdio: 'ignore' });
  const ns = `/proc/${holder.pid}/ns/mnt`;
  await waitFor(() => fs.readlinkSync(ns) !== fs.readlinkSync('/proc/self/ns/mnt'), 5000, () => 'unshare did not start');
  execFileSync('nsenter', [`--mount=${ns}`, '--', 'mount', '-t', 'tmpfs', '-o', `size=${LIMIT}`, 'tcap-full', dir]);
  return `--mount=${ns}`;
}

/** `tsdiag capture -i a0 -w file` in the lab, entered with `nsenterArgs`, run by `wrapper` (e.g. prlimit) */
async function captureUntilFull(nsenterArgs: string[], wrapper: string[], file: string) {
  const command = [...wrapper, process.execPath, RUNNER, '-i', 'a0', '-w', file];
  const p = spawn('nsenter', [...nsenterArgs, `--net=/run/netns/${lab.a}`, '--', ...command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  await waitFor(() => stderr.includes('listening on') || p.exitCode !== null, 10_000, () => `capture did not start: ${stderr}`);
  // 300 x 2 x 1442 bytes: several times what fits
  inNs(lab.a, 'ping', ['-c', '300', '-i', '0.005', '-s', '1400', '-q', '10.250.1.2']);
  const code = await Promise.race([exited, sleep(5000).then(() => 'still running')]);
  if (code === 'still running') await stop(p, 'SIGKILL');
  return { code, stderr };
}

function expectWholeRecords(file: string, stderr: string, code: unknown, why: RegExp) {
  expect(code, stderr).toBe(1);
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => !l.startsWith('listening on'))).toHaveLength(1);
  expect(stderr).toMatch(why);
  const size = fs.statSync(file).size;
  expect(size).toBeGreaterThan(24);
  expect(size).toBeLessThanOrEqual(LIMIT);
  const td = spawnSync('tcpdump', ['-n', '-r', file], { encoding: 'latin1', env: { ...process.env, TZ: 'UTC' } });
  expect(td.status).toBe(0);
  expect(td.stderr.trim()).toMatch(/^reading from file [^\n]*$/);
  const cap = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  expect(cap.status).toBe(0);
  expect(cap.stderr).toBe('');
  const count = Number(/Number of packets:\s+(\d+)/.exec(cap.stdout)?.[1] ?? -1);
  expect(count).toBeGreaterThan(5);
  expect(td.stdout.split('\n').slice(0, -1)).toHaveLength(count);
}

describe('-w until the disk is full', () => {
  it('a full tmpfs: the file is cut back to the last whole record', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'mnt-'));
    try {
      const enter = await fullDisk(dir);
      const { code, stderr } = await captureUntilFull([enter], [], path.join(dir, 'full.pcap'));
      // the file lives in the other mount namespace: read it through the holder's root
      const copy = path.join(tmp, 'full.pcap');
      fs.copyFileSync(path.join(`/proc/${holder!.pid}/root`, dir, 'full.pcap'), copy);
      expectWholeRecords(copy, stderr, code, /full\.pcap: no space left on device; the file keeps the records written before$/m);
      expect(await tsdiagLines(copy, [])).toEqual(tcpdumpLines(copy, []));
    } finally {
      holder?.kill('SIGKILL');
      holder = null;
    }
  });

  it('a file size limit (ulimit -f): the same, with EFBIG instead of SIGXFSZ', async () => {
    const file = path.join(tmp, 'limited.pcap');
    const { code, stderr } = await captureUntilFull([], ['prlimit', `--fsize=${LIMIT}`, '--'], file);
    expectWholeRecords(file, stderr, code, /limited\.pcap: file too large \(file size limit\); the file keeps the records written before$/m);
  });
});
