#!/usr/bin/env node
// The two fixed costs under a doctor run, each against its reference in the
// same run (turns interleaved, medians):
//  - starting a tool: the tsdiag-native addon's spawn (posix_spawn) against
//    node:child_process.spawn (fork), main-thread time per start of `true`,
//    in this process and after it grew to ~100 MB (fork copies page tables);
//  - loading the CLI: `doctor --help` (loads the command, the checks and the
//    report) from the bundle with its code cache, from the bundle without the
//    cache, and from tsc's modules, against a bare `node -e 0`.
// Usage: node bench/doctor/start-costs.mjs [--runs 21]   (after `npm run build`)
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
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

const loads = {
  'node -e 0': ['-e', '0'],
  'bundle + code cache': [`${root}dist/bundle/main.cjs`, 'doctor', '--help'],
  'bundle, no cache': [`${root}dist/bundle/cli.cjs`, 'doctor', '--help'],
  'tsc modules': [`${root}dist/cli/main.js`, 'doctor', '--help'],
};
const times = Object.fromEntries(Object.keys(loads).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [label, args] of Object.entries(loads)) {
    const t = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    times[label].push(performance.now() - t);
  }
}
const base = median(times['node -e 0']);
for (const [label, t] of Object.entries(times)) {
  const m = median(t);
  console.log(`load ${label.padEnd(20)} ${m.toFixed(0).padStart(4)} ms${label === 'node -e 0' ? '' : ` (+${(m - base).toFixed(0)} ms over node)`}`);
}
console.log(JSON.stringify({ spawn: { small, big }, loadMs: Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)])) }));
