import { execa, type ResultPromise } from 'execa';
import { expect } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import type { CliResult } from './sandbox.js';
import type { EngineCli } from './docker-cli.js';

/**
 * `tsdiag capture` against a real engine (Docker or Podman) and the real
 * tcpdump beside it: shared by docker-capture and podman-capture.
 */
export const CAPTURE_TIMEOUT_MS = 20_000;

/** Resolves once the process wrote "listening on" to stderr (or ended); its stderr so far. */
function listening(p: ResultPromise): Promise<string> {
  let stderr = '';
  return new Promise<string>((resolve) => {
    p.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) resolve(stderr);
    });
    void p.then(() => resolve(stderr), () => resolve(stderr));
  });
}

/** A tsdiag capture that runs until -c ends it, started and listening. */
export interface RunningCapture {
  /** what it wrote to stderr up to "listening on ..." */
  banner: string;
  /** the device it listens on (`listening on DEVICE, ...`), null if it did not say */
  device: string | null;
  done(): Promise<CliResult>;
}

/** What starts the CLI as a running process: an engine's EngineCli, or a native sandbox's (TestSandbox.start). */
export type CliStarter = Pick<EngineCli, 'start'>;

export async function startCapture(cli: CliStarter, args: string[]): Promise<RunningCapture> {
  const p = cli.start(['capture', ...args], CAPTURE_TIMEOUT_MS);
  const banner = await listening(p);
  await new Promise((r) => setTimeout(r, 200)); // as capture-live.test.ts: the worker's first poll follows the message
  return {
    banner,
    device: /^listening on ([^,\s]+),/m.exec(banner)?.[1] ?? null,
    done: async () => {
      const res = await p;
      return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
    },
  };
}

/** Runs a capture that ends by -c, sends the traffic once it listens, and returns its output. */
export async function captureWhile(cli: CliStarter, args: string[], traffic: () => Promise<unknown>): Promise<CliResult> {
  const capture = await startCapture(cli, args);
  await traffic();
  return capture.done();
}

/** The real tcpdump on DEVICE in NETNS writing FILE until -c COUNT, listening once this resolves. */
export async function startTcpdump(netns: string, device: string, file: string, count: number, filter: string[]): Promise<() => Promise<void>> {
  const p = execa('nsenter', [`--net=/run/netns/${netns}`, '--', 'tcpdump', '-n', '-U', '-i', device, '-c', String(count), '-w', file, ...filter],
    { reject: false, timeout: CAPTURE_TIMEOUT_MS });
  const banner = await listening(p);
  if (!banner.includes('listening on')) throw new Error(`tcpdump did not start on ${device}: ${banner}`);
  return async () => {
    const res = await p;
    if (res.exitCode !== 0) throw new Error(`tcpdump on ${device} exited ${res.exitCode}: ${String(res.stderr)}`);
  };
}

/** tcpdump reads the file without complaint; its lines. */
export async function tcpdumpRead(file: string): Promise<string[]> {
  const res = await run('tcpdump', ['-n', '-r', file]);
  expect(res.stderr.trim()).toMatch(/^reading from file .*, link-type EN10MB \(Ethernet\), snapshot length 262144$/);
  return res.stdout.trim().split('\n');
}

/** The bridge a link is enslaved to in NETNS (a container's veth host end: its network's bridge). */
export async function masterOf(netns: string, device: string): Promise<string | undefined> {
  return JSON.parse((await run('ip', ['-n', netns, '-j', 'link', 'show', 'dev', device])).stdout)[0]?.master;
}

/** The first three lines are FROM's TCP handshake with TO:PORT as tcpdump prints it. */
export function expectHandshake(lines: string[], from: string, to: string, port: number): void {
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(new RegExp(`IP ${from}\\.\\d+ > ${to}\\.${port}: Flags \\[S\\]`));
  expect(lines[1]).toMatch(new RegExp(`IP ${to}\\.${port} > ${from}\\.\\d+: Flags \\[S\\.\\]`));
  expect(lines[2]).toMatch(new RegExp(`IP ${from}\\.\\d+ > ${to}\\.${port}: Flags \\[\\.\\]`));
}
