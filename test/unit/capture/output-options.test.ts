import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCaptureArgs, printOptionsOf } from '../../../src/cli/commands/capture.js';
import { printPcapFile } from '../../../src/capture/file/read-file.js';
import { TextOut } from '../../../src/capture/text-out.js';
import { tcpdumpLines } from './oracle.js';

/**
 * The output options (-x -xx -X -XX -A -AA -q -S -# -K -N -l -U), parsed as
 * the CLI parses them and printed for every fixture, against the local
 * tcpdump with the same options, line by line.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/pcap');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-output-options-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** frames no fixture has: an unknown ethertype (tcpdump's default hex and ASCII print), CRs and odd lengths for -A */
function handMadeFile(): string {
  const eth = (type: number, payload: Buffer) => Buffer.concat([Buffer.from('ffffffffffff020000000001', 'hex'), Buffer.from([type >> 8, type & 255]), payload]);
  const text = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nab\rc\r\x01\x7f\t z\r');
  const frames = [eth(0x88b5, Buffer.from(Array.from({ length: 41 }, (_, i) => (i * 37) & 255))), eth(0x88b5, text), eth(0x9999, text.subarray(0, 3))];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const records = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000, 0);
    r.writeUInt32LE(i, 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  const file = path.join(tmp, 'hand-made.pcap');
  fs.writeFileSync(file, Buffer.concat([header, ...records]));
  return file;
}

const files = [...fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')).sort().map((f) => path.join(FIXTURES, f)), handMadeFile()];

const OPTION_SETS: string[][] = [
  [], ['-e'], ['-x'], ['-xx'], ['-X'], ['-XX'], ['-A'], ['-AA'], ['-nnXX'], ['-x', '-X'], ['-xx', '-A'], ['-X', '-e'],
  ['-q'], ['-q', '-e'], ['-q', '-v'], ['-S'], ['-S', '-v'], ['-#'], ['-#', '-ttt'], ['-v', '-K'], ['-K'], ['-N'], ['-l'], ['-U'], ['-S', '-q', '-X', '-#'],
];

async function tsdiagLines(file: string, flags: string[]): Promise<string[]> {
  const a = parseCaptureArgs([...flags, '-r', file]);
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await printPcapFile(file, { ...printOptionsOf(a, null), count: null }, new TextOut(stream, { eachLine: a.output.flushEachPacket }));
  return Buffer.concat(chunks).toString('latin1').split('\n').slice(0, -1);
}

describe('output options printed like tcpdump -n -r', () => {
  for (const file of files) {
    for (const flags of OPTION_SETS) {
      it(`${path.basename(file)} ${flags.join(' ')}`, async () => {
        expect(await tsdiagLines(file, flags)).toEqual(tcpdumpLines(file, flags));
      });
    }
  }
});

describe('--count', () => {
  const basic = path.join(FIXTURES, 'basic.pcap');
  for (const flags of [['--count'], ['--count', '-c', '3'], ['--count', '-c', '1']]) {
    it(flags.join(' '), async () => {
      const expected = execFileSync('tcpdump', ['-n', ...flags, '-r', basic], { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'latin1' });
      const { command } = await import('../../../src/cli/commands/capture.js');
      const stdout = new PassThrough();
      const chunks: Buffer[] = [];
      stdout.on('data', (c: Buffer) => chunks.push(c));
      const stderr = new PassThrough();
      const code = await command.run([...flags, '-r', basic], { stdout, stderr, env: {}, host: {} } as never);
      expect(code).toBe(0);
      expect(Buffer.concat(chunks).toString('latin1')).toBe(expected);
    });
  }
});

describe('output option arguments', () => {
  it('parses clusters and counts', () => {
    expect(parseCaptureArgs(['-nnXXS#', 'eth0']).output).toMatchObject({ hexAscii: 2, absoluteSeq: true, packetNumbers: true });
    expect(parseCaptureArgs(['-nqi', 'eth0']).output).toMatchObject({ quiet: true });
    expect(parseCaptureArgs(['-lU', '-K', '-N', '-i', 'eth0']).output).toMatchObject({ flushEachPacket: true, noChecksums: true });
  });
  it('refuses an empty interface name and --count without a file', () => {
    expect(() => parseCaptureArgs([''])).toThrow(/empty interface name/);
    expect(() => parseCaptureArgs(['-i', ''])).toThrow(/empty interface name/);
    expect(() => parseCaptureArgs(['--count', '-i', 'eth0'])).toThrow(/--count needs -r/);
    expect(parseCaptureArgs(['-nvvX', '-i', 'eth0'])).toMatchObject({ verbose: 2, output: { hexAscii: 1 } });
  });
});
