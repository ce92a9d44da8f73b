import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapReader } from '../../../src/capture/file/pcap-file.js';
import { PcapngWriter } from '../../../src/capture/file/pcapng-writer.js';
import { tcpdumpLines, tsdiagLines } from './oracle.js';
import { block, enhancedPacket, interfaceDescription, sectionHeader, simplePacket, type Endian } from './pcapng-build.js';

/** -r of pcapng files, compared line by line with tcpdump -r on the same file. */
const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/pcap');
const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')).sort();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-pcapng-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Rec {
  data: Buffer;
  wireLen: number;
  sec: number;
  usec: number;
}

function records(file: string): Rec[] {
  const r = PcapReader.open(path.join(FIXTURES, file));
  const out: Rec[] = [];
  while (r.read((b, o, c, l, s, u) => out.push({ data: Buffer.from(b.subarray(o, o + c)), wireLen: l, sec: s, usec: u }), 1000));
  r.close();
  return out;
}

async function expectSameAsTcpdump(file: string, flags: string[][] = [[], ['-tt'], ['-e', '-ttt']]): Promise<void> {
  for (const f of flags) {
    const expected = tcpdumpLines(file, f);
    expect(expected.length).toBeGreaterThan(0);
    expect(await tsdiagLines(file, f)).toEqual(expected);
  }
}

function write(name: string, parts: Buffer[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

const LE: Endian = { big: false };
const BE: Endian = { big: true };

describe('-r of pcapng files', () => {
  for (const fixture of fixtures) {
    it(`${fixture} converted by editcap -F pcapng`, async () => {
      const out = path.join(tmp, fixture + 'ng');
      const res = spawnSync('editcap', ['-F', 'pcapng', path.join(FIXTURES, fixture), out], { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      await expectSameAsTcpdump(out);
    });
  }

  it('reads back what tsdiag --pcapng writes', async () => {
    const out = path.join(tmp, 'tsdiag.pcapng');
    const w = new PcapngWriter(out, [{ name: 'web:eth0', linkType: 1 }]);
    for (const r of records('dns.pcap')) w.write(0, r.data, 0, r.data.length, r.wireLen, r.sec, r.usec);
    w.close();
    await expectSameAsTcpdump(out);
  });

  for (const e of [LE, BE]) {
    const order = e.big ? 'big-endian' : 'little-endian';
    it(`${order}: nanoseconds, unknown blocks skipped, two interfaces`, async () => {
      const recs = records('basic.pcap');
      const parts = [sectionHeader(e), block(e, 0x00000bad, Buffer.from('not a block tsdiag knows')), interfaceDescription(e, { tsresol: 9 }), interfaceDescription(e, {})];
      recs.forEach((r, i) => {
        const ns = BigInt(r.sec) * 1_000_000_000n + BigInt(r.usec) * 1000n + 999n;
        const us = BigInt(r.sec) * 1_000_000n + BigInt(r.usec);
        parts.push(i % 2 ? enhancedPacket(e, 1, us, r.data, r.wireLen) : enhancedPacket(e, 0, ns, r.data, r.wireLen));
        if (i === 3) parts.push(block(e, 5, Buffer.alloc(8))); // an interface statistics block
      });
      await expectSameAsTcpdump(write(`two-ifs-${order}.pcapng`, parts));
    });

    it(`${order}: binary resolution 2^-20 with if_tsoffset`, async () => {
      const recs = records('vxlan.pcap');
      const base = 1_600_000_000n;
      const parts = [sectionHeader(e), interfaceDescription(e, { tsresol: 0x80 | 20, tsoffset: base })];
      for (const r of recs) {
        const units = (BigInt(r.sec) - base) * 1048576n + (BigInt(r.usec) * 1048576n) / 1_000_000n;
        parts.push(enhancedPacket(e, 0, units, r.data, r.wireLen));
      }
      await expectSameAsTcpdump(write(`binary-${order}.pcapng`, parts));
    });

    it(`${order}: simple packet blocks, cut to the interface's snap length`, async () => {
      const recs = records('ipv6.pcap');
      const parts = [sectionHeader(e), interfaceDescription(e, { snaplen: 80 })];
      for (const r of recs) parts.push(simplePacket(e, r.data, r.wireLen));
      await expectSameAsTcpdump(write(`simple-${order}.pcapng`, parts));
    });
  }

  it('a second section starts its own interfaces', async () => {
    const a = records('basic.pcap');
    const b = records('dns.pcap');
    const parts = [sectionHeader(LE), interfaceDescription(LE, { tsresol: 3 })];
    for (const r of a) parts.push(enhancedPacket(LE, 0, BigInt(r.sec) * 1000n + BigInt(Math.floor(r.usec / 1000)), r.data, r.wireLen));
    parts.push(sectionHeader(LE), interfaceDescription(LE, {}));
    for (const r of b) parts.push(enhancedPacket(LE, 0, BigInt(r.sec) * 1_000_000n + BigInt(r.usec), r.data, r.wireLen));
    await expectSameAsTcpdump(write('sections.pcapng', parts));
  });

  it('a packet on an interface never described is named', async () => {
    const r = records('basic.pcap')[0]!;
    const file = write('no-idb.pcapng', [sectionHeader(LE), interfaceDescription(LE), enhancedPacket(LE, 3, 0n, r.data)]);
    await expect(tsdiagLines(file, [])).rejects.toThrow(/block 3 at byte \d+ is broken: a packet arrived on interface 3/);
  });
});
