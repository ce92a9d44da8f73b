#!/usr/bin/env node
// Time per container to create and remove N containers on one network, in a
// sandbox host: through the library (one process) and through the CLI (one
// process per command, as a user types it), and, where a Docker engine runs
// (TSDIAG_DOCKER_HOST=unix:///path), `docker run -d --network` + `docker rm -f`
// on the busybox image in the same run. Prints figures and ratios. The
// dual-stack case (--ipv6) runs beside an IPv4-only one, alternating rounds,
// and prints its ratio to it (aim <= 1.2).
// Usage: node bench/netcore/run.mjs [--count 50] [--cli-count 20] [--nets 10]
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const dist = new URL('../../dist/', import.meta.url);
const { createSandbox, removeSandbox, sandboxHost } = await import(new URL('netcore/bridge/sandbox.js', dist));
const { createNetwork, removeNetwork } = await import(new URL('netcore/bridge/networks.js', dist));
const { createContainer, removeContainer } = await import(new URL('netcore/bridge/containers.js', dist));
const run = promisify(execFile);

const { values } = parseArgs({ options: { count: { type: 'string', default: '50' }, 'cli-count': { type: 'string', default: '20' }, nets: { type: 'string', default: '10' } } });
const NNETS = Number(values.nets);
const N = Number(values.count);
const NCLI = Number(values['cli-count']);
const CLI = new URL('../../dist/bundle/main.cjs', import.meta.url).pathname;

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-'));
const name = `bench${process.pid}`;
const host = sandboxHost(name, stateDir);
const results = {};
await createSandbox(name, stateDir);
try {
  await createNetwork(host, { name: 'app' });
  const names = Array.from({ length: N }, (_, i) => `c${i}`);
  const create = await timed(async () => { for (const n of names) await createContainer(host, { name: n, network: 'app' }); });
  const remove = await timed(async () => { for (const n of names) await removeContainer(host, n, { force: true }); });
  results.library = { count: N, createMs: create / N, removeMs: remove / N, totalMs: (create + remove) / N };

  const env = { ...process.env, TSDIAG_STATE_DIR: stateDir, TSDIAG_HOST_NETNS: name };
  const cliNames = Array.from({ length: NCLI }, (_, i) => `k${i}`);
  const cliCreate = await timed(async () => { for (const n of cliNames) await run(process.execPath, [CLI, 'run', '--name', n, '--network', 'app'], { env }); });
  const cliRemove = await timed(async () => { for (const n of cliNames) await run(process.execPath, [CLI, 'rm', '-f', n], { env }); });
  results.cli = { count: NCLI, createMs: cliCreate / NCLI, removeMs: cliRemove / NCLI, totalMs: (cliCreate + cliRemove) / NCLI };
  const nodeStart = await timed(async () => { for (let i = 0; i < 10; i++) await run(process.execPath, ['-e', '0']); });
  results.cli.bareNodeStartMs = nodeStart / 10;

  // IPv4-only against dual-stack: NNETS networks, each with N/NNETS containers, made and removed; two rounds each, alternating
  const family = { ipv4: { ms: 0, nets: 0, containers: 0 }, dual: { ms: 0, nets: 0, containers: 0 } };
  const perNet = Math.max(1, Math.floor(N / NNETS));
  for (let round = 0; round < 2; round++) {
    for (const [kind, ipv6] of [['ipv4', false], ['dual', true]]) {
      const f = family[kind];
      f.ms += await timed(async () => {
        for (let i = 0; i < NNETS; i++) {
          const net = `${kind}${round}n${i}`;
          await createNetwork(host, { name: net, ipv6 });
          for (let j = 0; j < perNet; j++) await createContainer(host, { name: `${net}c${j}`, network: net, publish: j === 0 ? [`${20000 + i}:80`] : [] });
          for (let j = 0; j < perNet; j++) await removeContainer(host, `${net}c${j}`, { force: true });
          await removeNetwork(host, net);
        }
      });
      f.nets += NNETS;
      f.containers += NNETS * perNet;
    }
  }
  for (const [kind, f] of Object.entries(family)) {
    results[`net+${perNet} containers, ${kind}`] = { count: f.nets, createMs: f.ms / f.nets, removeMs: 0, totalMs: f.ms / f.nets };
  }
  results.dualStackRatio = family.dual.ms / family.ipv4.ms;
} finally {
  await removeSandbox(name, stateDir);
  fs.rmSync(stateDir, { recursive: true, force: true });
}

const dockerHost = process.env.TSDIAG_DOCKER_HOST;
if (dockerHost) {
  const docker = (args) => run('/usr/bin/docker', ['-H', dockerHost, ...args]);
  const net = `bench${process.pid}`;
  await docker(['network', 'create', net]);
  const names = Array.from({ length: NCLI }, (_, i) => `bench${process.pid}-${i}`);
  try {
    const c = await timed(async () => { for (const n of names) await docker(['run', '-d', '--name', n, '--network', net, 'tsdiag-busybox:local', 'sleep', '3600']); });
    const r = await timed(async () => { for (const n of names) await docker(['rm', '-f', n]); });
    results.docker = { count: NCLI, createMs: c / NCLI, removeMs: r / NCLI, totalMs: (c + r) / NCLI };
  } finally {
    await docker(['rm', '-f', ...names]).catch(() => undefined);
    await docker(['network', 'rm', net]).catch(() => undefined);
  }
}

const f = (x) => x.toFixed(1).padStart(8);
console.log(`per container (ms)        create   remove    total`);
for (const [k, v] of Object.entries(results)) if (typeof v === 'object') console.log(`${`${k} (n=${v.count})`.padEnd(22)}${f(v.createMs)} ${f(v.removeMs)} ${f(v.totalMs)}`);
console.log(`dual-stack (--ipv6) / IPv4-only, network + containers made and removed: ${results.dualStackRatio.toFixed(3)} (aim <= 1.2)`);
console.log(`bare node start: ${results.cli.bareNodeStartMs.toFixed(1)} ms (paid twice per container by the CLI)`);
if (results.docker) {
  console.log(`ratio tsdiag/docker, create+remove: library ${(results.library.totalMs / results.docker.totalMs).toFixed(3)}, cli ${(results.cli.totalMs / results.docker.totalMs).toFixed(3)} (aim <= 0.1)`);
} else {
  console.log('no Docker engine (set TSDIAG_DOCKER_HOST, e.g. after scripts/docker-engine up): no ratio this run');
}
console.log(JSON.stringify(results));
