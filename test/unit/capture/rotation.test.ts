import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ringDigits, rotationFileName, strftime } from '../../../src/capture/file/rotation-names.js';
import { RotatingWriter, type RecordWriter } from '../../../src/capture/file/rotating-writer.js';
import { parseCaptureArgs } from '../../../src/cli/commands/capture.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-rot-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('file names as tcpdump 4.99 makes them', () => {
  it('pads the number to the digits of -W COUNT - 1', () => {
    expect([1, 2, 10, 11, 100, 101].map(ringDigits)).toEqual([0, 1, 1, 2, 2, 3]);
    expect(ringDigits(null)).toBe(0);
  });

  it('-C alone: the first file as named, then 1, 2, ...; with -W all numbered', () => {
    expect([0, 1, 12].map((i) => rotationFileName('out.pcap', i, 0, null))).toEqual(['out.pcap', 'out.pcap1', 'out.pcap12']);
    expect([0, 1, 10].map((i) => rotationFileName('out.pcap', i, 2, null))).toEqual(['out.pcap00', 'out.pcap01', 'out.pcap10']);
  });

  it('-G: strftime fields in local time, % fields tcpdump passes on kept', () => {
    const d = new Date(2024, 0, 5, 7, 8, 9);
    expect(rotationFileName('dump-%Y%m%d-%H%M%S.pcap', 0, 0, d)).toBe('dump-20240105-070809.pcap');
    expect(strftime('%F %T %j %a %b %e %I%p %% %Q', d)).toBe('2024-01-05 07:08:09 005 Fri Jan  5 07AM % %Q');
    expect(strftime('%s', d)).toBe(String(Math.floor(d.getTime() / 1000)));
  });
});

/** an in-memory output: its name, records and whether it was closed */
function memoryOutputs() {
  const files: { path: string; records: number[]; closed: boolean }[] = [];
  const open = (p: string): RecordWriter => {
    const f = { path: p, records: [] as number[], closed: false };
    files.push(f);
    return {
      write: (_i, _b, caplen) => void f.records.push(caplen),
      get bytes() {
        return 24 + f.records.reduce((n, c) => n + 16 + c, 0);
      },
      flush: () => undefined,
      close: () => {
        if (f.closed) throw new Error(`${p} closed twice`);
        f.closed = true;
      },
    };
  };
  return { files, open };
}

const buf = Buffer.alloc(100);

describe('rotation as tcpdump does it', () => {
  it('-C: a new file before the packet that comes once the file is larger than SIZE; -W makes a ring', () => {
    const { files, open } = memoryOutputs();
    const rotated: string[] = [];
    const w = new RotatingWriter('x.pcap', { sizeBytes: 200, seconds: null, files: 2, onRotated: (p) => rotated.push(p) }, open);
    for (let i = 0; i < 7; i++) expect(w.write(0, buf, 100, 100, 0, 0)).toBe(true);
    w.close();
    // 24 + 116 = 140 ≤ 200, 256 > 200: two packets a file
    expect(files.map((f) => [f.path, f.records.length])).toEqual([['x.pcap0', 2], ['x.pcap1', 2], ['x.pcap0', 2], ['x.pcap1', 1]]);
    expect(files.every((f) => f.closed)).toBe(true);
    expect(rotated).toEqual(['x.pcap0', 'x.pcap1', 'x.pcap0']);
  });

  it('-G: a new file on the first packet SECONDS after the last one opened, named by its time; -W stops after COUNT files', () => {
    const { files, open } = memoryOutputs();
    let now = new Date(2024, 0, 5, 7, 8, 9).getTime();
    const w = new RotatingWriter('d-%H%M%S', { sizeBytes: null, seconds: 2, files: 2, now: () => now }, open);
    expect(w.write(0, buf, 10, 10, 0, 0)).toBe(true);
    now += 1999;
    expect(w.write(0, buf, 10, 10, 0, 0)).toBe(true);
    now += 1;
    expect(w.write(0, buf, 10, 10, 0, 0)).toBe(true);
    now += 5000;
    expect(w.write(0, buf, 10, 10, 0, 0)).toBe(false);
    expect(w.limitReached).toBe(true);
    w.close();
    expect(files.map((f) => [f.path, f.records.length, f.closed])).toEqual([['d-070809', 2, true], ['d-070811', 1, true]]);
  });

  it('-G with -C: the size count starts again in each period', () => {
    const { files, open } = memoryOutputs();
    let now = 0;
    const w = new RotatingWriter('f', { sizeBytes: 100, seconds: 10, files: 3, now: () => now }, open);
    for (let i = 0; i < 3; i++) w.write(0, buf, 100, 100, 0, 0);
    now = 10_000;
    w.write(0, buf, 100, 100, 0, 0);
    w.close();
    expect(files.map((f) => f.path.replace(/^.*?(\d+)$/, '$1'))).toEqual(['0', '1', '2', '0']);
  });
});

describe('file options', () => {
  const bad = (args: string[]) => {
    try {
      parseCaptureArgs(args);
    } catch (err) {
      return [(err as Error).message, (err as { exitCode?: number }).exitCode];
    }
    return null;
  };

  it('are parsed with SIZE in millions of bytes', () => {
    const a = parseCaptureArgs(['-i', 'eth0', '-w', 'o.pcap', '-C', '2', '-W', '5', '-z', 'gzip']);
    expect([a.rotateSize, a.rotateFiles, a.postRotate, a.rotateSeconds]).toEqual([2_000_000, 5, 'gzip', null]);
    expect(parseCaptureArgs(['-r', 'in.pcap', '-w', '-', 'tcp', 'port', '80'])).toMatchObject({ readFile: 'in.pcap', writeFile: '-', filter: 'tcp port 80' });
  });

  it('a bad value or combination in tcpdump\'s words, exit 2', () => {
    expect(bad(['-i', 'e', '-w', 'o', '-C', '0.5'])).toEqual(['invalid file size 0.5', 2]);
    expect(bad(['-i', 'e', '-w', 'o', '-C', '-1'])).toEqual(['invalid file size -1', 2]);
    expect(bad(['-i', 'e', '-w', 'o', '-C', '1', '-W', '0'])).toEqual(['invalid number of output files 0', 2]);
    expect(bad(['-i', 'e', '-w', 'o', '-G', 'x'])).toEqual(['invalid number of seconds x', 2]);
    expect(bad(['-i', 'e', '-C', '1'])).toEqual(['-C needs -w FILE', 2]);
    expect(bad(['-i', 'e', '-w', 'o', '-W', '3'])).toEqual(['-W needs -C SIZE or -G SECONDS', 2]);
    expect(bad(['-i', 'e', '-w', '-', '-G', '1'])).toEqual(['-C and -G cannot rotate standard output (-w -)', 2]);
  });
});
