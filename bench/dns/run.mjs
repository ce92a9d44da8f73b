#!/usr/bin/env node
// dnsperf against tsdiag's embedded DNS server and, in the same run, dnsmasq
// serving the same names from a hosts file; both on loopback. For 1,000 and
// 10,000 names: queries/s from saturating runs interleaved over several rounds
// (tsdiag, dnsmasq, tsdiag, dnsmasq, ... so that background load hits all
// alike), their medians and the median of the per-round ratios, and latency
// percentiles from a rate-limited run with per-query output (-v).
// tsdiag runs twice: with its UDP path as configured ("batch": the
// tsdiag-native addon when it loads) and forced to node:dgram
// (TSDIAG_NATIVE=-dns-udp), the before/after of the addon; --udp batch leaves
// the second out.
// The querier is a container of the bench state: dnsperf sends from its
// address with -a.
// Each family is a round of its own: IPv4 (A queries to 127.0.0.1 from
// 127.9.0.1) and IPv6 (dnsperf -f inet6, AAAA queries to ::1, the v6 gateway of
// the bench network, from ::1, the querier's IPv6 address; dnsmasq on ::1 with
// the same names' IPv6 addresses); the IPv6 ratio is printed next to the IPv4 one.
// Usage: npx tsc -p tsconfig.json && node bench/dns/run.mjs [--rounds 3] [--seconds 4] [--names 1000,10000] [--udp batch,dgram] [--family 4,6]
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
const { configure } = await import(new URL('config.js', dist));
const run = promisify(execFile);

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' },
  names: { type: 'string', default: '1000,10000' }, udp: { type: 'string', default: 'batch,dgram' },
  clients: { type: 'string', default: '4' }, outstanding: { type: 'string', default: '200' },
  'latency-qps': { type: 'string', default: '10000' }, family: { type: 'string', default: '4,6' },
} });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const UDP_MODES = values.udp.split(',');
/** per family: the server's listen address (the bench network's gateway), the querier's address, the query type */
const FAMILIES = {
  4: { server: '127.0.0.1', client: '127.9.0.1', qtype: 'A', udp: 'udp4', dnsperf: 'inet' },
  6: { server: '::1', client: '::1', qtype: 'AAAA', udp: 'udp6', dnsperf: 'inet6' },
};
const FAMILY_LIST = values.family.split(',').map((f) => {
  if (!FAMILIES[f]) {
    console.error(`bench/dns: --family takes 4, 6 or 4,6 (got "${f}")`);
    process.exit(2);
  }
  return f;
});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-dns-'));

async function freePort(family) {
  const s = dgram.createSocket(FAMILIES[family].udp);
  await new Promise((r) => s.bind(0, FAMILIES[family].server, r));
  const { port } = s.address();
  s.close();
  return port;
}

const addressOf = (i) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const address6Of = (i) => `fd00:10::${(i + 1).toString(16)}`;

/** A dual-stack bench network on lo: every container has both families. */
function benchState(n) {
  const ep = (network, ipv4, ipv6) => ({ network, networkId: '', ifname: 'eth0', hostIf: null, ipv4, prefixLen: 8, ipv6, prefixLen6: 64, mac: '', aliases: [] });
  const c = (name, ipv4, ipv6) => ({ id: name.padEnd(64, '0'), name, netns: null, networkMode: 'bridge', endpoints: [ep('bench', ipv4, ipv6)], ports: [], dns: [], cmd: [], pid: null, created: '' });
  const containers = { client: c('client', FAMILIES[4].client, FAMILIES[6].client) };
  for (let i = 0; i < n; i++) containers[`c${i}`] = c(`c${i}`, addressOf(i), address6Of(i));
  return {
    version: 1, sandbox: null, containers,
    networks: { bench: { id: 'b'.repeat(64), name: 'bench', driver: 'bridge', isDefault: false, subnet: '127.0.0.0/8', gateway: FAMILIES[4].server,
      subnet6: '::1/128', gateway6: FAMILIES[6].server, enableIPv4: true, ipRange: null, internal: false, mtu: 65536, device: 'lo', options: {}, labels: {}, created: '' } },
  };
}

async function dnsperf(family, port, dataFile, extra) {
  const f = FAMILIES[family];
  const args = ['-f', f.dnsperf, '-s', f.server, '-p', String(port), '-a', f.client, '-d', dataFile, '-c', values.clients, '-q', values.outstanding, ...extra];
  const { stdout } = await run('dnsperf', args, { maxBuffer: 1 << 30 });
  return stdout;
}

async function throughput(family, port, dataFile) {
  const out = await dnsperf(family, port, dataFile, ['-l', String(SECONDS)]);
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  return { qps: num(/Queries per second:\s+([\d.]+)/), lost: num(/Queries lost:\s+(\d+)/), avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000 };
}

/** p50/p99 from per-query latencies (-v prints one line per answer, latency last), at a fixed rate. */
async function latency(family, port, dataFile) {
  const out = await dnsperf(family, port, dataFile, ['-l', '3', '-Q', values['latency-qps'], '-v']);
  const lat = out.split('\n').filter((l) => l.startsWith('>')).map((l) => Number(l.trim().split(/\s+/).at(-1))).filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 1000 : NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

async function startDnsmasq(family, hostsFile) {
  const port = await freePort(family);
  const child = spawn('dnsmasq', ['--no-daemon', '--keep-in-foreground', `--port=${port}`, `--listen-address=${FAMILIES[family].server}`, '--bind-interfaces',
    '--no-resolv', '--no-hosts', `--addn-hosts=${hostsFile}`, `--pid-file=${path.join(tmp, 'dnsmasq.pid')}`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return { port, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

/** A tsdiag server whose UDP side is the addon ('batch') or node:dgram, as the server would pick it. */
async function startTsdiag(family, mode, n) {
  configure({ ...process.env, ...(mode === 'dgram' ? { TSDIAG_NATIVE: '-dns-udp' } : {}) });
  const port = await freePort(family);
  const notes = [];
  try {
    const srv = await startDnsServer({ listen: [{ address: FAMILIES[family].server, port }], state: benchState(n), upstreams: [], onError: (m) => notes.push(m) });
    for (const m of notes) console.log(`tsdiag (${mode}): ${m}`);
    return { port, stop: () => srv.close() };
  } finally {
    configure(process.env);
  }
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
/** names -> server -> family -> median ratio to dnsmasq */
const ratios = new Map();
try {
  for (const n of values.names.split(',').map(Number)) {
    const hostsFile = path.join(tmp, `hosts-${n}`);
    fs.writeFileSync(hostsFile, Array.from({ length: n }, (_, i) => `${addressOf(i)} c${i}\n${address6Of(i)} c${i}\n`).join(''));
    for (const family of FAMILY_LIST) {
      const dataFile = path.join(tmp, `queries-${n}-${family}.txt`);
      fs.writeFileSync(dataFile, Array.from({ length: n }, (_, i) => `c${i} ${FAMILIES[family].qtype}\n`).join(''));
      const servers = [];
      try {
        for (const mode of UDP_MODES) servers.push({ name: `tsdiag-${mode}`, ...(await startTsdiag(family, mode, n)) });
        servers.push({ name: 'dnsmasq', ...(await startDnsmasq(family, hostsFile)) });
        const runs = new Map(servers.map((s) => [s.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          const line = [];
          for (const s of servers) {
            const r = await throughput(family, s.port, dataFile);
            runs.get(s.name).push(r);
            line.push(`${s.name} ${r.qps.toFixed(0)}`);
          }
          console.log(`names=${n} IPv${family} round ${round + 1}/${ROUNDS}: ${line.join(', ')} qps`);
        }
        const dm = runs.get('dnsmasq');
        for (const s of servers) {
          const rs = runs.get(s.name);
          const lat = await latency(family, s.port, dataFile);
          const ratio = median(rs.map((r, i) => r.qps / dm[i].qps));
          rows.push({ names: n, family, server: s.name, qps: median(rs.map((r) => r.qps)), min: Math.min(...rs.map((r) => r.qps)), max: Math.max(...rs.map((r) => r.qps)),
            lost: median(rs.map((r) => r.lost)), avgMs: median(rs.map((r) => r.avgMs)), ratio, ...lat });
          if (s.name === 'dnsmasq') continue;
          const key = `names=${n}: ${s.name}/dnsmasq median ratio`;
          if (!ratios.has(key)) ratios.set(key, {});
          ratios.get(key)[family] = ratio;
        }
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`\n${os.cpus().length} CPUs, node ${process.version}, dnsperf -c ${values.clients} -q ${values.outstanding} -l ${SECONDS}, ${ROUNDS} interleaved rounds (medians); latency at ${values['latency-qps']} qps`);
console.log('names   fam  server          qps (min-max)            ratio  lost  avg ms  p50 ms  p99 ms');
for (const r of rows) {
  console.log(`${String(r.names).padEnd(7)} v${r.family}   ${r.server.padEnd(14)} ${fmt(r.qps).padStart(7)} (${fmt(r.min)}-${fmt(r.max)})`.padEnd(54)
    + ` ${fmt(r.ratio, 2).padStart(5)} ${fmt(r.lost).padStart(5)} ${fmt(r.avgMs, 3).padStart(7)} ${fmt(r.p50, 3).padStart(7)} ${fmt(r.p99, 3).padStart(7)}`);
}
for (const [key, byFamily] of ratios) console.log(`${key}: ${FAMILY_LIST.map((f) => `IPv${f} ${fmt(byFamily[f], 2)}`).join(', ')}`);
