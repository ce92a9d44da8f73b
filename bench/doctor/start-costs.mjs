#!/usr/bin/env node
// The two fixed costs under a doctor run, each against its reference in the
// same run (turns interleaved, medians):
//  - starting a tool: the tsdiag-native addon's spawn (posix_spawn) against
//    node:child_process.spawn (fork), main-thread time per start of `true`,
//    in this process and after it grew to ~100 MB (fork copies page tables);
//  - loading the CLI: `doctor --help` (loads the command, the checks and the
//    report) through the tsdiag command (bin/tsdiag), from the bundle with its
//    code cache, from the bundle without the cache, and from tsc's modules,
//    against a bare `node -e 0`, with and without NODE_EXTRA_CA_CERTS;
//  - the installed command (`npm pack`, `npm install -g` into a temp prefix,
//    npm's bin symlink) against the checkout's bin/tsdiag: `--version` and
//    `doctor --help`, which should be within 1.2x (--no-install skips it).
// Usage: node bench/doctor/start-costs.mjs [--runs 21] [--no-install]   (after `npm run build`)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, 'no-install': { type: 'boolean' } } });
const RUNS = Number(values.runs);
const root = new URL('../../', import.meta.url).pathname;
const addon = createRequire(import.meta.url)('tsdiag-native');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function spawnCosts() {
  const native = [];
  const forked = [];
  for (let i = 0; i < RUNS; i++) {
    await new Promise((resolve) => {
      const t = performance.now();
      addon.spawn('true', [], [`PATH=${process.env.PATH}`], null, null, resolve);
      native.push(performance.now() - t);
    });
    const t = performance.now();
    const child = spawn('true', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    forked.push(performance.now() - t);
    await new Promise((resolve) => child.on('close', resolve));
  }
  return { nativeMs: median(native), childProcessMs: median(forked), rssMB: Math.round(process.memoryUsage().rss / 1e6) };
}

const small = await spawnCosts();
const ballast = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `x${i}` }));
const big = await spawnCosts();
void ballast.length;
for (const [label, r] of [['spawn, small process', small], ['spawn, grown process', big]]) {
  console.log(`${label} (${r.rssMB} MB): addon ${r.nativeMs.toFixed(2)} ms vs node:child_process ${r.childProcessMs.toFixed(2)} ms per start: ratio ${(r.nativeMs / r.childProcessMs).toFixed(2)}`);
}

// each as [file, args]: Node's own start, then the CLI started four ways; the
// environment is this process's (NODE_EXTRA_CA_CERTS included when set)
const node = process.execPath;
const noExtraCa = { ...process.env };
delete noExtraCa.NODE_EXTRA_CA_CERTS;
const loads = {
  'node -e 0': [node, ['-e', '0']],
  'node -e 0, no extra CA': [node, ['-e', '0'], noExtraCa],
  'bin/tsdiag (launcher)': [`${root}bin/tsdiag`, ['doctor', '--help']],
  'bundle + code cache': [node, [`${root}dist/bundle/main.cjs`, 'doctor', '--help']],
  'bundle, no cache': [node, [`${root}dist/bundle/cli.cjs`, 'doctor', '--help']],
  'tsc modules': [node, [`${root}dist/cli/main.js`, 'doctor', '--help']],
};
const times = Object.fromEntries(Object.keys(loads).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [label, [file, args, env]] of Object.entries(loads)) {
    const t = performance.now();
    execFileSync(file, args, { stdio: 'ignore', env: env ?? process.env });
    times[label].push(performance.now() - t);
  }
}
console.log(`NODE_EXTRA_CA_CERTS: ${process.env.NODE_EXTRA_CA_CERTS ?? '(not set)'}; the launcher drops it`);
const base = median(times['node -e 0']);
for (const [label, t] of Object.entries(times)) {
  const m = median(t);
  const delta = m - base;
  console.log(`load ${label.padEnd(24)} ${m.toFixed(0).padStart(4)} ms${label === 'node -e 0' ? '' : ` (${delta < 0 ? '' : '+'}${delta.toFixed(0)} ms against node -e 0)`}`);
}

/** the packed tarball installed globally into a temp prefix (the dist/ built before; npm's cache of its own) */
function installed(tmp) {
  const quiet = { cwd: tmp, stdio: ['ignore', 'pipe', 'inherit'] };
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { ...quiet, cwd: root }).toString().trim().split('\n').pop();
  execFileSync('npm', ['install', '-g', '--silent', '--prefer-offline', '--prefix', path.join(tmp, 'prefix'), '--cache', path.join(tmp, 'cache'),
    '--allow-scripts=pcap,file:../native/tsdiag-native', path.join(tmp, tarball)], quiet);
  return path.join(tmp, 'prefix/bin/tsdiag');
}

const installedMs = {};
if (!values['no-install']) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-install-'));
  try {
    const bin = installed(tmp);
    const runs = { 'checkout --version': [`${root}bin/tsdiag`, ['--version']], 'installed --version': [bin, ['--version']],
      'checkout doctor --help': [`${root}bin/tsdiag`, ['doctor', '--help']], 'installed doctor --help': [bin, ['doctor', '--help']] };
    const t = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const [label, [file, args]] of Object.entries(runs)) {
        const t0 = performance.now();
        execFileSync(file, args, { stdio: 'ignore', cwd: tmp });
        t[label].push(performance.now() - t0);
      }
    }
    for (const what of ['--version', 'doctor --help']) {
      const [c, n] = [median(t[`checkout ${what}`]), median(t[`installed ${what}`])];
      installedMs[what] = { checkout: c, installed: n, ratio: n / c };
      console.log(`start ${what.padEnd(14)} checkout ${c.toFixed(0)} ms, installed ${n.toFixed(0)} ms: ratio ${(n / c).toFixed(2)} (want <= 1.2)`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ spawn: { small, big }, loadMs: Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)])), installedMs }));
