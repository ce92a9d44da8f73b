import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCaptureArgs } from '../../../src/cli/commands/capture.js';
import { PcapReader, PcapWriter } from '../../../src/capture/file/pcap-file.js';
import { PcapngWriter } from '../../../src/capture/file/pcapng-writer.js';
import { ipv6String } from '../../../src/capture/decode/addr.js';
import { tcpdumpLines, tsdiagLines } from './oracle.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../../fixtures/pcap/basic.pcap');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyRecords(to: (buf: Buffer, off: number, caplen: number, wire: number, sec: number, usec: number) => void): number {
  const r = PcapReader.open(FIXTURE);
  let n = 0;
  while (r.read((...a) => (to(...a), n++), 1000));
  r.close();
  return n;
}

describe('pcap files', () => {
  it('a file written by PcapWriter reads back the same in tsdiag and tcpdump', async () => {
    const out = path.join(tmp, 'copy.pcap');
    const w = new PcapWriter(out, 1);
    const n = copyRecords((b, o, c, l, s, u) => w.write(b, o, c, l, s, u));
    w.close();
    expect(n).toBeGreaterThan(10);
    expect(fs.readFileSync(out).readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(fs.readFileSync(out).readUInt32LE(16)).toBe(262144);
    expect(await tsdiagLines(out, [])).toEqual(tcpdumpLines(FIXTURE, []));
    expect(tcpdumpLines(out, [])).toEqual(tcpdumpLines(FIXTURE, []));
  });

  it('pcapng carries the interface name for tshark', () => {
    const out = path.join(tmp, 'copy.pcapng');
    const w = new PcapngWriter(out, [{ name: 'web:eth0', linkType: 1 }]);
    const n = copyRecords((b, o, c, l, s, u) => w.write(0, b, o, c, l, s, u));
    w.close();
    const res = spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' });
    // tshark's only complaint may be about running as root
    expect(res.stderr.split('\n').filter((l) => l && !/Running as user/.test(l))).toEqual([]);
    expect(res.stdout.trim().split('\n')).toEqual(Array(n).fill('web:eth0'));
    expect(tcpdumpLines(out, [])).toEqual(tcpdumpLines(FIXTURE, []));
  });

  it('a broken record is named with its number and byte offset', () => {
    const bytes = fs.readFileSync(FIXTURE);
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(10_000_000, 24 + 8); // first record's caplen
    const file = path.join(tmp, 'bad.pcap');
    fs.writeFileSync(file, bad);
    const r = PcapReader.open(file);
    expect(() => r.read(() => undefined, 10)).toThrow(/record 1 at byte 24 is broken: captured length 10000000/);
    r.close();
  });
});

describe('arguments', () => {
  it('reads tcpdump habits', () => {
    const a = parseCaptureArgs(['-ni', 'eth0', '-tttt', '-e', '-c', '5', 'tcp', 'port', '80']);
    expect(a).toMatchObject({ iface: 'eth0', timestamps: 'date', linkHeader: true, count: 5, filter: 'tcp port 80' });
    expect(parseCaptureArgs(['eth0', 'udp'])).toMatchObject({ iface: 'eth0', filter: 'udp' });
    expect(parseCaptureArgs(['-r', 'x.pcap', 'icmp'])).toMatchObject({ readFile: 'x.pcap', iface: null, filter: 'icmp' });
    expect(parseCaptureArgs(['--container', 'web', '-w', 'f', '--pcapng'])).toMatchObject({ container: 'web', pcapng: true });
    expect(parseCaptureArgs(['-nvr', 'x.pcapng'])).toMatchObject({ readFile: 'x.pcapng', verbose: 1 });
    expect(parseCaptureArgs(['-v', '-i', 'any'])).toMatchObject({ iface: 'any', verbose: 1 });
    expect(parseCaptureArgs(['-vv', '-i', 'a'])).toMatchObject({ verbose: 2 });
    expect(parseCaptureArgs(['-nvvv', '-i', 'a'])).toMatchObject({ verbose: 3 });
    expect(parseCaptureArgs(['-v', '-vv', '-i', 'a'])).toMatchObject({ verbose: 3 });
    expect(parseCaptureArgs(['-Q', 'in', '-i', 'any'])).toMatchObject({ direction: 'in' });
    expect(parseCaptureArgs(['-nQ', 'OUT', '-i', 'any'])).toMatchObject({ direction: 'out' });
    expect(parseCaptureArgs(['-Q', 'inout', '-i', 'eth0'])).toMatchObject({ direction: 'inout' });
    expect(parseCaptureArgs(['-Q', 'in', '-r', 'x.pcap'])).toMatchObject({ direction: 'in' });
  });

  it('rejects what cannot work', () => {
    expect(() => parseCaptureArgs([])).toThrow(/nothing to capture/);
    expect(() => parseCaptureArgs(['-i', 'a', '--container', 'b'])).toThrow(/only one/);
    expect(() => parseCaptureArgs(['-i', 'a', '--pcapng'])).toThrow(/needs -w/);
    expect(() => parseCaptureArgs(['-i', 'a', '-Y'])).toThrow(/unknown option -Y/);
    expect(() => parseCaptureArgs(['-i'])).toThrow(/needs a value/);
    expect(() => parseCaptureArgs(['-Q', 'sideways', '-i', 'a'])).toThrow(/unknown capture direction "sideways"/);
    expect(() => parseCaptureArgs(['-i', 'a', '-Q'])).toThrow(/-Q needs a value/);
    expect(() => parseCaptureArgs(['-i', 'eth0', '-Q', 'in'])).toThrow(/-Q needs -i any/);
    expect(() => parseCaptureArgs(['--container', 'web', '-Q', 'out'])).toThrow(/-Q needs -i any/);
  });
});

describe('IPv6 text as inet_ntop', () => {
  const v6 = (hex: string) => ipv6String(Buffer.from(hex, 'hex'), 0);
  it('compresses the longest zero run', () => {
    expect(v6('fd000250000100000000000000000001')).toBe('fd00:250:1::1');
    expect(v6('00000000000000000000000000000000')).toBe('::');
    expect(v6('00000000000000000000000000000001')).toBe('::1');
    expect(v6('00000000000000000000ffff0afa0101')).toBe('::ffff:10.250.1.1');
    expect(v6('20010db8000000010000000000000001')).toBe('2001:db8:0:1::1');
    expect(v6('20010db8000100010001000100010001')).toBe('2001:db8:1:1:1:1:1:1');
  });
});
