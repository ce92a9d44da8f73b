import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { printPcapFile } from '../../../src/capture/file/read-file.js';
import { TextOut } from '../../../src/capture/text-out.js';
import { TIMESTAMP_FLAGS, type TimestampStyle } from '../../../src/capture/timestamp.js';

/** The local tcpdump's lines for a file (TZ=UTC): the expected output of every fidelity test. */
export function tcpdumpLines(file: string, flags: string[]): string[] {
  const out = execFileSync('tcpdump', ['-n', ...flags, '-r', file], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'latin1' });
  return out.split('\n').slice(0, -1);
}

export async function tsdiagLines(file: string, flags: string[]): Promise<string[]> {
  const ts = flags.find((f) => f in TIMESTAMP_FLAGS);
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const timestamps: TimestampStyle = ts ? TIMESTAMP_FLAGS[ts]! : 'time';
  await printPcapFile(file, { linkHeader: flags.includes('-e'), verbose: verbosity(flags), names: null, timestamps, count: null }, new TextOut(stream));
  return Buffer.concat(chunks).toString('latin1').split('\n').slice(0, -1);
}

/** tcpdump's ndo_vflag for flags such as -v, -vv, -nvvv */
export function verbosity(flags: string[]): number {
  return flags.filter((f) => /^-[a-zA-Z]*v/.test(f) && !f.startsWith('--')).reduce((n, f) => n + f.split('v').length - 1, 0);
}
