#!/usr/bin/env node
// Printing speed: a pcap of N mixed packets (the fixtures' records repeated,
// timestamps moving forward) printed by tsdiag and by `tcpdump -n -r`, both
// to /dev/null, in one run; plain, with -X and with -A. Needs a build (npx tsc -p tsconfig.json).
// Usage: node bench/capture/print.mjs [--packets 1000000]   (KEEP=1 keeps the generated file)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '1000000' } } });
const N = Number(values.packets);
const root = new URL('../../', import.meta.url).pathname;
const fixtures = path.join(root, 'fixtures/pcap');

function records(file) {
  const b = fs.readFileSync(file);
  const out = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const caplen = b.readUInt32LE(o + 8);
    out.push(b.subarray(o, o + 16 + caplen));
    o += 16 + caplen;
  }
  return out;
}

function buildFile(target) {
  // the Ethernet fixtures (the file gets basic.pcap's header), except the cut snap-length one
  const ethernet = (f) => fs.readFileSync(path.join(fixtures, f)).readUInt32LE(20) === 1;
  const recs = fs.readdirSync(fixtures).filter((f) => f.endsWith('.pcap') && !f.startsWith('snap') && ethernet(f)).flatMap((f) => records(path.join(fixtures, f)));
  const header = fs.readFileSync(path.join(fixtures, 'basic.pcap')).subarray(0, 24);
  const fd = fs.openSync(target, 'w');
  fs.writeSync(fd, header);
  let chunk = [];
  let size = 0;
  let usec = 0;
  const t0 = 1_700_000_000;
  for (let i = 0; i < N; i++) {
    const r = Buffer.from(recs[i % recs.length]);
    usec += 7;
    r.writeUInt32LE(t0 + Math.floor(usec / 1e6), 0);
    r.writeUInt32LE(usec % 1e6, 4);
    chunk.push(r);
    size += r.length;
    if (size > 8 << 20) {
      fs.writeSync(fd, Buffer.concat(chunk));
      chunk = [];
      size = 0;
    }
  }
  fs.writeSync(fd, Buffer.concat(chunk));
  fs.closeSync(fd);
}

function timed(cmd, args) {
  const devnull = fs.openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { stdio: ['ignore', devnull, 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.closeSync(devnull);
  if (res.status !== 0) throw new Error(`${cmd} failed: ${res.stderr}`);
  return ms;
}

const file = path.join(os.tmpdir(), `tcap-bench-${process.pid}.pcap`);
try {
  buildFile(file);
  console.log(`file: ${N} packets, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
  const rate = (ms) => `${(N / (ms / 1000) / 1000).toFixed(0)}k packets/s`;
  // plain lines, then the packet dumps (-X hex and ASCII, -A ASCII), each against tcpdump with the same option
  for (const flags of [[], ['-X'], ['-A']]) {
    const tcpdump = timed('tcpdump', ['-n', ...flags, '-r', file]);
    const tsdiag = timed(process.execPath, [path.join(root, 'bench/capture/run-capture.mjs'), ...flags, '-r', file]);
    const name = ['-r', ...flags].join(' ');
    console.log(`tcpdump -n ${name}: ${(tcpdump / 1000).toFixed(2)} s (${rate(tcpdump)})`);
    console.log(`tsdiag ${name}:     ${(tsdiag / 1000).toFixed(2)} s (${rate(tsdiag)})`);
    console.log(`ratio tsdiag/tcpdump ${name}: ${(tsdiag / tcpdump).toFixed(2)}`);
  }
} finally {
  if (!process.env.KEEP) fs.rmSync(file, { force: true }); else console.log(file);
}
