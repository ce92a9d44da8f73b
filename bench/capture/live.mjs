#!/usr/bin/env node
// Live capture speed: small UDP packets (iperf3 -u -l 64) from namespace A to
// B at rising rates; at each rate `tcpdump -w` and `tsdiag capture -w` capture
// on a0 in turn, and their "dropped by kernel" counters are compared. Reports
// the highest rate where tcpdump drops nothing and what tsdiag drops there,
// also writing a -C 1 -W 3 ring (a new file every million bytes).
// Needs root and a build (npx tsc -p tsconfig.json).
// Usage: node bench/capture/live.mjs [--seconds 3] [--rates 20000,50000,80000,100000,150000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, sleep, stop, waitFor } from './lab.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rates: { type: 'string', default: '20000,50000,80000,100000,150000' } } });
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(',').map(Number);
const PAYLOAD = 64;
const RUNNER = new URL('./run-capture.mjs', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcap-live-'));

function counters(stderr) {
  const n = (what) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(stderr)?.[1] ?? NaN);
  return { captured: n('captured'), received: n('received by filter'), dropped: n('dropped by kernel') };
}

const RING = ['-C', '1', '-W', '3'];

async function measure(lab, tool, pps, extra = []) {
  const file = path.join(tmp, `${tool}.pcap`);
  const filter = ['udp', 'and', 'dst', 'port', '5201'];
  const p = tool === 'tcpdump'
    ? lab.spawnIn(lab.a, 'tcpdump', ['-i', 'a0', '-w', file, ...extra, ...filter])
    : lab.spawnIn(lab.a, process.execPath, [RUNNER, '-i', 'a0', '-w', file, ...extra, ...filter]);
  await waitFor(() => p.stderrText.includes('listening on'), 10_000, () => `${tool} did not start: ${p.stderrText}`);
  await sleep(200);
  const client = lab.spawnIn(lab.a, 'iperf3', ['-c', '10.250.1.2', '-u', '-l', String(PAYLOAD), '-b', String(pps * PAYLOAD * 8), '-t', String(SECONDS)]);
  await client.exited;
  await sleep(1500);
  await stop(p, 'SIGINT');
  for (const name of fs.readdirSync(tmp)) fs.rmSync(path.join(tmp, name), { force: true });
  const c = counters(p.stderrText);
  return { ...c, pps: Math.round(c.received / SECONDS) };
}

const lab = new Lab('bench');
try {
  lab.setup({ ipv6: false });
  lab.spawnIn(lab.b, 'iperf3', ['-s', '-B', '10.250.1.2']);
  await sleep(500);
  let best = null;
  for (const rate of RATES) {
    const tcpdump = await measure(lab, 'tcpdump', rate);
    const tsdiag = await measure(lab, 'tsdiag', rate);
    const ring = await measure(lab, 'tsdiag', rate, RING);
    console.log(`target ${rate}/s: tcpdump got ${tcpdump.pps}/s dropped ${tcpdump.dropped}; tsdiag got ${tsdiag.pps}/s dropped ${tsdiag.dropped} (captured ${tsdiag.captured} of ${tsdiag.received}); tsdiag ${RING.join(' ')} got ${ring.pps}/s dropped ${ring.dropped}`);
    if (tcpdump.dropped === 0) best = { rate, tcpdump, tsdiag, ring };
  }
  if (best) console.log(`highest rate without tcpdump drops: ~${best.tcpdump.pps} packets/s; tsdiag dropped ${best.tsdiag.dropped} there, ${best.ring.dropped} writing the ${RING.join(' ')} ring`);
} finally {
  lab.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
}
