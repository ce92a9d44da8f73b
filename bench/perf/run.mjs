#!/usr/bin/env node
// tsdiag perf against iperf3 and ping between the same two namespaces (a
// sandbox pair: web and db on a bridge), in the same run, turn by turn, so
// load from elsewhere slows both alike. Prints each figure side by side with
// its ratio (tsdiag / reference): TCP one stream and parallel streams, RTT
// p50 (tsdiag's ICMP, TCP connect and UDP echo against ping's), UDP loss; then
// the CPU each spends per Gbit moved: tsdiag's whole run (its generators are
// its children) against iperf3's client and server, from bash's `times` (the
// user and system time of everything it waited for).
// A second round puts a tbf at 200 Mbit/s on db's host veth, where both must
// read the limit. The network is dual-stack: each round runs over IPv4
// (iperf3 -4, ping -4) and over IPv6 (tsdiag perf --family 6, iperf3 -6,
// ping -6), and IPv6 / IPv4 is printed for both tools.
// Usage: node bench/perf/run.mjs [--runs 3] [--time 2] [--family 4|6|both]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, parseArgs } from 'node:util';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, time: { type: 'string', default: '2' }, family: { type: 'string', default: 'both' } } });
const FAMILIES = values.family === 'both' ? [4, 6] : [Number(values.family)];
const RUNS = Number(values.runs);
const TIME = Number(values.time);
const CLI = new URL('../../dist/bundle/main.cjs', import.meta.url).pathname;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-perf-'));
const sb = `benchpf${process.pid}`;
const env = { ...process.env, TSDIAG_STATE_DIR: stateDir, TSDIAG_HOST_NETNS: sb };
const tsdiag = (...args) => exec(process.execPath, [CLI, ...args], { env, maxBuffer: 64 << 20 });
const inNs = (ns, ...args) => exec('ip', ['netns', 'exec', ns, ...args], { maxBuffer: 16 << 20 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)];

/** A command under bash, with the CPU seconds of everything it waited for (bash's `times`, second line). */
async function withCpu(script) {
  const { stdout } = await exec('bash', ["-c", `{ ${script}; } >/tmp/${sb}.out 2>/dev/null; times`], { env });
  const [, children] = stdout.trim().split('\n');
  const secs = children.split(/\s+/).map((t) => { const m = /(\d+)m([\d.]+)s/.exec(t); return m ? Number(m[1]) * 60 + Number(m[2]) : 0; });
  return { cpu: secs[0] + secs[1], out: fs.readFileSync(`/tmp/${sb}.out`, 'utf8') };
}

async function iperf3(family, dbIp, parallel) {
  const port = 5290 + parallel;
  const script = `ip netns exec ${sb}:db iperf3 -s -1 -p ${port} >/dev/null & sleep 0.3; ip netns exec ${sb}:web iperf3 -${family} -c ${dbIp} -p ${port} -t ${TIME} -P ${parallel} -J; wait`;
  const { cpu, out } = await withCpu(script);
  const r = JSON.parse(out).end.sum_received;
  return { bps: r.bits_per_second, gbit: (r.bytes * 8) / 1e9, cpu };
}

async function ours(family) {
  const { cpu, out } = await withCpu(`${process.execPath} ${CLI} perf web db --family ${family} --time ${TIME} --json`);
  const r = JSON.parse(out);
  const p = r.paths[0];
  const gbit = ((p.tcp.bytes + p.tcpParallel.bytes) * 8 + p.udp.received * p.udp.size * 8) / 1e9;
  return { r, p, cpu, gbit };
}

async function ping(family, dbIp) {
  const { stdout } = await inNs(`${sb}:web`, 'ping', `-${family}`, '-n', '-c', '50', '-i', '0.01', dbIp);
  return [...stdout.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

async function round(label, family, dbIp) {
  const rows = { tcp1: [], tcpN: [], tcp1ref: [], tcpNref: [], icmp: [], connect: [], echo: [], pingP50: [], pingNoise: [], loss: [], ourCpu: [], refCpu: [] };
  for (let i = 0; i < RUNS; i++) {
    const o = await ours(family);
    const [one, many] = [await iperf3(family, dbIp, 1), await iperf3(family, dbIp, o.p.tcpParallel.streams)];
    const times = await ping(family, dbIp);
    rows.tcp1.push(o.p.tcp.bps); rows.tcpN.push(o.p.tcpParallel.bps); rows.tcp1ref.push(one.bps); rows.tcpNref.push(many.bps);
    rows.icmp.push(o.p.rtt.icmp.p50); rows.connect.push(o.p.rtt['tcp-connect'].p50); rows.echo.push(o.p.rtt['udp-echo'].p50);
    rows.pingP50.push(quantile(times, 0.5)); rows.pingNoise.push(quantile(times, 0.9) - quantile(times, 0.1));
    rows.loss.push(o.p.udp.lossPct);
    rows.ourCpu.push(o.cpu / o.gbit); rows.refCpu.push((one.cpu + many.cpu) / (one.gbit + many.gbit));
  }
  const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
  const g = (bps) => `${(bps / 1e9).toFixed(2)} Gbit/s`;
  const ms = (x) => `${x.toFixed(3)} ms`;
  console.log(`\n${label}, IPv${family} (median of ${RUNS} runs, ${TIME} s per test)`);
  console.log(`  ${'figure'.padEnd(32)}${'tsdiag'.padStart(16)}${'reference'.padStart(16)}   ratio`);
  const line = (name, a, b, fmt) => console.log(`  ${name.padEnd(32)}${fmt(a).padStart(16)}${fmt(b).padStart(16)}   ${(a / b).toFixed(2)}`);
  const v = `-${family}`;
  line(`TCP 1 stream (iperf3 ${v})`, m.tcp1, m.tcp1ref, g);
  line(`TCP 4 streams (iperf3 ${v} -P 4)`, m.tcpN, m.tcpNref, g);
  line(`RTT p50 ICMP (ping ${v})`, m.icmp, m.pingP50, ms);
  line(`RTT p50 TCP connect (ping ${v})`, m.connect, m.pingP50, ms);
  line(`RTT p50 UDP echo (ping ${v})`, m.echo, m.pingP50, ms);
  console.log(`  ping's noise (p90 - p10)         ${ms(m.pingNoise).padStart(16)}`);
  console.log(`  UDP loss at 100 Mbit/s           ${`${m.loss}%`.padStart(16)}`);
  line('CPU s per Gbit moved', m.ourCpu, m.refCpu, (x) => x.toFixed(3));
  return m;
}

/** Each family's round, then IPv6's figures over IPv4's for tsdiag and for the reference tools: the two shares should agree. */
async function rounds(label, addresses) {
  const m = {};
  for (const f of FAMILIES) m[f] = await round(label, f, addresses[f]);
  if (!m[4] || !m[6]) return;
  console.log(`  ${'IPv6 / IPv4'.padEnd(32)}${'tsdiag'.padStart(10)}${'reference'.padStart(16)}`);
  const share = (name, ours, ref) => console.log(`  ${name.padEnd(32)}${`${Math.round((m[6][ours] / m[4][ours]) * 100)}%`.padStart(10)}${`${Math.round((m[6][ref] / m[4][ref]) * 100)}%`.padStart(16)}`);
  share('TCP 1 stream', 'tcp1', 'tcp1ref');
  share('TCP 4 streams', 'tcpN', 'tcpNref');
  share('RTT p50 ICMP', 'icmp', 'pingP50');
}

try {
  await tsdiag('sandbox', 'create', sb);
  await tsdiag('network', 'create', '--ipv6', 'app');
  await tsdiag('run', '-d', '--name', 'db', '--network', 'app', '--', 'sleep', 'infinity');
  await tsdiag('run', '-d', '--name', 'web', '--network', 'app', '--', 'sleep', 'infinity');
  const state = JSON.parse(fs.readFileSync(path.join(stateDir, `netns-${sb}`, 'state.json'), 'utf8'));
  const db = Object.values(state.containers).find((c) => c.name === 'db');
  const addresses = { 4: db.endpoints[0].ipv4, 6: db.endpoints[0].ipv6 };
  await rounds('a quiet veth', addresses);
  await exec('ip', ['netns', 'exec', sb, 'tc', 'qdisc', 'add', 'dev', db.endpoints[0].hostIf, 'root', 'tbf', 'rate', '200mbit', 'burst', '256k', 'latency', '50ms']);
  await rounds('tbf 200 Mbit/s on db\'s host veth', addresses);
} finally {
  await tsdiag('sandbox', 'rm', sb).catch((err) => console.error(`sandbox rm: ${err.message}`));
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(`/tmp/${sb}.out`, { force: true });
}
