#!/usr/bin/env node
// dnsperf against tsdiag's embedded DNS server and, in the same run, dnsmasq
// serving the same names from a hosts file; both on loopback. For 1,000 and
// 10,000 names: queries/s (a saturating run), the ratio, and latency
// percentiles from a second, rate-limited run with per-query output (-v).
// The querier is a container of the bench state: dnsperf sends from its
// address with -a.
// Usage: npx tsc -p tsconfig.json && node bench/dns/run.mjs [--seconds 10] [--names 1000,10000]
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

const dist = new URL('../../dist/', import.meta.url);
if (!fs.existsSync(new URL('dns/server.js', dist))) {
  console.error('bench/dns: build first: npx tsc -p tsconfig.json');
  process.exit(2);
}
const { startDnsServer } = await import(new URL('dns/server.js', dist));
const run = promisify(execFile);

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '10' }, names: { type: 'string', default: '1000,10000' },
  clients: { type: 'string', default: '4' }, outstanding: { type: 'string', default: '200' },
  'latency-qps': { type: 'string', default: '10000' },
} });
const SECONDS = Number(values.seconds);
const CLIENT = '127.9.0.1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-dns-'));

async function freePort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  s.close();
  return port;
}

const addressOf = (i) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function benchState(n) {
  const ep = (network, ipv4) => ({ network, networkId: '', ifname: 'eth0', hostIf: null, ipv4, prefixLen: 8, ipv6: null, mac: '', aliases: [] });
  const c = (name, ipv4) => ({ id: name.padEnd(64, '0'), name, netns: null, networkMode: 'bridge', endpoints: [ep('bench', ipv4)], ports: [], dns: [], cmd: [], pid: null, created: '' });
  const containers = { client: c('client', CLIENT) };
  for (let i = 0; i < n; i++) containers[`c${i}`] = c(`c${i}`, addressOf(i));
  return {
    version: 1, sandbox: null, containers,
    networks: { bench: { id: 'b'.repeat(64), name: 'bench', driver: 'bridge', isDefault: false, subnet: '127.0.0.0/8', gateway: '127.0.0.1', ipRange: null, internal: false, mtu: 65536, device: 'lo', options: {}, labels: {}, created: '' } },
  };
}

async function dnsperf(port, dataFile, extra) {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-a', CLIENT, '-d', dataFile, '-c', values.clients, '-q', values.outstanding, ...extra];
  const { stdout } = await run('dnsperf', args, { maxBuffer: 1 << 30 });
  return stdout;
}

async function throughput(port, dataFile) {
  const out = await dnsperf(port, dataFile, ['-l', String(SECONDS)]);
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  return { qps: num(/Queries per second:\s+([\d.]+)/), lost: num(/Queries lost:\s+(\d+)/), avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000 };
}

/** p50/p99 from per-query latencies (-v prints one line per answer, latency last), at a fixed rate. */
async function latency(port, dataFile) {
  const out = await dnsperf(port, dataFile, ['-l', '3', '-Q', values['latency-qps'], '-v']);
  const lat = out.split('\n').filter((l) => l.startsWith('>')).map((l) => Number(l.trim().split(/\s+/).at(-1))).filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 1000 : NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

async function startDnsmasq(hostsFile) {
  const port = await freePort();
  const child = spawn('dnsmasq', ['--no-daemon', '--keep-in-foreground', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    '--no-resolv', '--no-hosts', `--addn-hosts=${hostsFile}`, `--pid-file=${path.join(tmp, 'dnsmasq.pid')}`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return { port, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

const rows = [];
try {
  for (const n of values.names.split(',').map(Number)) {
    const dataFile = path.join(tmp, `queries-${n}.txt`);
    const hostsFile = path.join(tmp, `hosts-${n}`);
    fs.writeFileSync(dataFile, Array.from({ length: n }, (_, i) => `c${i} A\n`).join(''));
    fs.writeFileSync(hostsFile, Array.from({ length: n }, (_, i) => `${addressOf(i)} c${i}\n`).join(''));
    const port = await freePort();
    const srv = await startDnsServer({ listen: [{ address: '127.0.0.1', port }], state: benchState(n), upstreams: [] });
    const dm = await startDnsmasq(hostsFile);
    try {
      // alternate the two so that background load on the machine hits both alike
      const ours = await throughput(port, dataFile);
      const theirs = await throughput(dm.port, dataFile);
      const oursLat = await latency(port, dataFile);
      const theirsLat = await latency(dm.port, dataFile);
      rows.push({ names: n, server: 'tsdiag', ...ours, ...oursLat }, { names: n, server: 'dnsmasq', ...theirs, ...theirsLat });
      console.log(`names=${n}: tsdiag ${ours.qps.toFixed(0)} qps, dnsmasq ${theirs.qps.toFixed(0)} qps, ratio tsdiag/dnsmasq ${(ours.qps / theirs.qps).toFixed(2)}`);
    } finally {
      await srv.close();
      await dm.stop();
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`\n${os.cpus().length} CPUs, node ${process.version}, dnsperf -c ${values.clients} -q ${values.outstanding} -l ${SECONDS}; latency at ${values['latency-qps']} qps`);
console.log('names   server    qps      lost  avg ms  p50 ms  p99 ms');
for (const r of rows) {
  console.log(`${String(r.names).padEnd(7)} ${r.server.padEnd(8)} ${fmt(r.qps).padStart(7)} ${fmt(r.lost).padStart(6)} ${fmt(r.avgMs, 3).padStart(7)} ${fmt(r.p50, 3).padStart(7)} ${fmt(r.p99, 3).padStart(7)}`);
}
