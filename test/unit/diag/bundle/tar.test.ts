import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTarGz, TarFormatError, writeTarGz } from '../../../../src/diag/bundle/tar.js';

const long = `containers/${'n'.repeat(60)}/${'d'.repeat(60)}/neighbours.txt`;
const entries = [
  { name: 'report.json', data: '{"from":"web"}\n' },
  { name: 'host/iptables-nft-save.txt', data: '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n' },
  { name: 'empty.txt', data: '' },
  { name: 'block.bin', data: Buffer.alloc(512, 7) },
  { name: long, data: 'ünïcode\n' },
];

describe('tar writer and reader', () => {
  it('reads back what it wrote, byte for byte', () => {
    const files = readTarGz(writeTarGz(entries));
    expect([...files.keys()]).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(files.get(e.name)!.equals(Buffer.from(e.data))).toBe(true);
  });

  it('is an archive tar itself lists and extracts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-tar-'));
    try {
      const file = path.join(dir, 'b.tar.gz');
      fs.writeFileSync(file, writeTarGz(entries));
      expect(execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual(entries.map((e) => e.name));
      execFileSync('tar', ['-xzf', file, '-C', dir]);
      expect(fs.readFileSync(path.join(dir, 'host/iptables-nft-save.txt'), 'utf8')).toBe(entries[1]!.data);
      expect(fs.readFileSync(path.join(dir, long), 'utf8')).toBe('ünïcode\n');
      const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
      expect(listing).toMatch(/^-rw-r--r-- root\/root +15 /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an archive GNU tar wrote', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-tar-'));
    try {
      fs.mkdirSync(path.join(dir, 'in/sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'in/sub/a.txt'), 'hello\n');
      execFileSync('tar', ['-czf', path.join(dir, 'g.tar.gz'), '-C', path.join(dir, 'in'), 'sub']);
      const files = readTarGz(fs.readFileSync(path.join(dir, 'g.tar.gz')));
      expect(files.get('sub/a.txt')!.toString()).toBe('hello\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses paths that would leave the archive, and names too long for ustar', () => {
    expect(() => writeTarGz([{ name: '../etc/passwd', data: '' }])).toThrow(TarFormatError);
    expect(() => writeTarGz([{ name: '/abs', data: '' }])).toThrow(TarFormatError);
    expect(() => writeTarGz([{ name: 'x'.repeat(101), data: '' }])).toThrow(/too long/);
  });

  it('says what is wrong with a damaged archive', () => {
    const good = writeTarGz(entries);
    expect(() => readTarGz(Buffer.from('not gzip at all'))).toThrow(/not a gzip file/);
    const tar = gunzipSync(good);
    const flipped = Buffer.from(tar);
    flipped[10] ^= 0xff;
    expect(() => readTarGz(gzipSync(flipped))).toThrow(/checksum/);
    expect(() => readTarGz(gzipSync(tar.subarray(0, 700)))).toThrow(/cut short|ends inside/);
    expect(() => readTarGz(good.subarray(0, good.length - 10))).toThrow(TarFormatError);
  });
});
