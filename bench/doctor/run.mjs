#!/usr/bin/env node
// Wall time of a full `tsdiag doctor web db` on a healthy pair (a lab), median
// of N runs, against the three commands an expert types first, in the same run:
// natively `tsdiag inspect web db`, `tsdiag exec web -- ping -c1 <db>`, and a
// DNS lookup with dig; where a Docker engine runs (TSDIAG_DOCKER_HOST and
// TSDIAG_DOCKER_NETNS), `docker inspect web db`, `docker exec web nslookup db`,
// `docker exec web ping -c1 db` against `tsdiag doctor --backend docker`; likewise for Podman
// (TSDIAG_PODMAN_HOST and TSDIAG_PODMAN_NETNS) with `podman`.
// The doctor runs as users run it, through the `tsdiag` command (bin/tsdiag).
// The two take turns run by run, so load from elsewhere slows both alike. A
// third turn starts the bundle with `node` directly in this process's own
// environment, for the difference the command's launcher makes (it drops
// NODE_EXTRA_CA_CERTS, which costs Node ~65 ms of start here when set).
// A faulty native run follows: an nftables rule in the lab host's inet forward
// chain drops db's port, so the doctor re-sends its probe under nftrace in
// every namespace on the path and names the rule (aim: under 1 s).
// Usage: node bench/doctor/run.mjs [--runs 7]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, parseArgs } from 'node:util';

const run = promisify(execFile);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);
const BIN = new URL('../../bin/tsdiag', import.meta.url).pathname;
const CLI = new URL('../../dist/bundle/main.cjs', import.meta.url).pathname;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-bench-doctor-'));
const lab = `benchdoc${process.pid}`;
const env = { ...process.env, TSDIAG_STATE_DIR: stateDir };

const middle = (times) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
const timed = async (fn) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
/** The contenders take turns, so a busy machine slows all alike; the median of each, as `<name>Ms`. */
async function medians(contenders) {
  const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, fn] of Object.entries(contenders)) times[name].push(await timed(fn));
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [`${name}Ms`, middle(t)]));
}
const tsdiag = (args, extraEnv = {}) => run(BIN, args, { env: { ...env, ...extraEnv } });
const nodeDirect = (args, extraEnv = {}) => run(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv } });

const out = {};
await tsdiag(['lab', 'up', '--name', lab]);
try {
  const report = JSON.parse((await tsdiag(['--host-netns', lab, 'doctor', 'web', 'db', '--json'])).stdout);
  out.native = { checks: report.checks.length, failed: report.counts.fail };
  const dbIp = JSON.parse((await tsdiag(['--host-netns', lab, 'inspect', 'db'])).stdout)[0].NetworkSettings.Networks.app.IPAddress;
  const doctorArgs = ['--host-netns', lab, 'doctor', 'web', 'db', '--json'];
  Object.assign(out.native, await medians({
    doctor: () => tsdiag(doctorArgs),
    threeCommands: async () => {
      await tsdiag(['--host-netns', lab, 'inspect', 'web', 'db']);
      await tsdiag(['--host-netns', lab, 'exec', 'web', '--', 'dig', '+time=1', '+tries=1', 'db']).catch(() => undefined);
      await tsdiag(['--host-netns', lab, 'exec', 'web', '--', 'ping', '-c1', dbIp]);
    },
    doctorByNode: () => nodeDirect(doctorArgs),
  }));
  out.faulty = await faultyRun(doctorArgs);
} finally {
  await tsdiag(['lab', 'down', '--name', lab]).catch(() => undefined);
}

/** The doctor's time with an nft drop on the path, traced; the table is removed afterwards, also on failure. */
async function faultyRun(doctorArgs) {
  const inLab = (args) => run('ip', ['netns', 'exec', lab, 'nft', ...args]);
  await inLab(['add', 'table', 'inet', 'benchdrop']);
  try {
    await inLab(['add', 'chain', 'inet', 'benchdrop', 'forward', '{ type filter hook forward priority 0; policy accept; }']);
    await inLab(['add', 'rule', 'inet', 'benchdrop', 'forward', 'tcp', 'dport', '5432', 'drop']);
    const report = JSON.parse((await tsdiag(doctorArgs).catch((e) => e)).stdout);
    const named = report.checks.find((c) => c.id === 'fw.rule-drop');
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await timed(() => tsdiag(doctorArgs).catch(() => undefined)));
    return { doctorMs: middle(times), rule: named?.summary ?? null, nftrace: named?.evidence.some((e) => /named by nftrace/.test(e)) ?? false };
  } finally {
    await inLab(['delete', 'table', 'inet', 'benchdrop']).catch(() => undefined);
  }
}

/**
 * An engine's turn: the doctor against `X inspect web db`, `X exec web nslookup db`, `X exec web ping -c1 db`
 * with the engine's own CLI. dns.upstream is left out: the engines' namespaces have no way out, so it waits 4 s
 * for an upstream that cannot answer there (the same in every run, and no part of the three commands).
 */
async function engineTurn({ name, cli, hostVariable, host, netns, image, runArgs = [] }) {
  const engine = (args) => run(cli[0], [...cli.slice(1), ...args]);
  const tag = `bd${process.pid}`;
  const net = `${tag}-app`;
  const [web, db] = [`${tag}-web`, `${tag}-db`];
  await engine(['network', 'create', net]);
  try {
    await engine(['run', '-d', '--name', db, '--network', net, ...runArgs, image, 'httpd', '-f', '-p', '5432']);
    await engine(['run', '-d', '--name', web, '--network', net, ...runArgs, image, 'sleep', '3600']);
    const eenv = { [hostVariable]: host };
    const doctorArgs = ['--host-netns', netns, 'doctor', web, db, '--backend', name, '--json', '--check', '!^dns\\.upstream$'];
    const report = JSON.parse((await tsdiag(doctorArgs, eenv).catch((e) => e)).stdout);
    out[name] = { checks: report.checks.length, failed: report.counts.fail };
    Object.assign(out[name], await medians({
      doctor: () => tsdiag(doctorArgs, eenv).catch(() => undefined),
      threeCommands: async () => {
        await engine(['inspect', web, db]);
        await engine(['exec', web, 'nslookup', db]).catch(() => undefined);
        await engine(['exec', web, 'ping', '-c1', db]);
      },
      doctorByNode: () => nodeDirect(doctorArgs, eenv).catch(() => undefined),
    }));
  } finally {
    await engine(['rm', '-f', web, db]).catch(() => undefined);
    await engine(['network', 'rm', net]).catch(() => undefined);
  }
}

if (process.env.TSDIAG_DOCKER_HOST && process.env.TSDIAG_DOCKER_NETNS) {
  await engineTurn({ name: 'docker', cli: ['/usr/bin/docker', '-H', process.env.TSDIAG_DOCKER_HOST], hostVariable: 'DOCKER_HOST',
    host: process.env.TSDIAG_DOCKER_HOST, netns: process.env.TSDIAG_DOCKER_NETNS, image: 'tsdiag-busybox:local' });
}
if (process.env.TSDIAG_PODMAN_HOST && process.env.TSDIAG_PODMAN_NETNS) {
  // the remote client, as test/helpers/podman.ts runs it; the rlimits this VM accepts
  await engineTurn({ name: 'podman', cli: ['/usr/bin/podman', '--url', process.env.TSDIAG_PODMAN_HOST], hostVariable: 'CONTAINER_HOST',
    host: process.env.TSDIAG_PODMAN_HOST, netns: process.env.TSDIAG_PODMAN_NETNS, image: 'localhost/tsdiag-busybox:local',
    runArgs: ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] });
}
fs.rmSync(stateDir, { recursive: true, force: true });

const { faulty } = out;
delete out.faulty;
for (const [k, v] of Object.entries(out)) {
  console.log(`${k.padEnd(7)} doctor ${v.doctorMs.toFixed(0)} ms (${v.checks} checks, ${v.failed} failed) vs three commands ${v.threeCommandsMs.toFixed(0)} ms: ratio ${(v.doctorMs / v.threeCommandsMs).toFixed(2)} (aim <= 1; doctor aim < 1000 ms); started by node directly ${v.doctorByNodeMs.toFixed(0)} ms (ratio ${(v.doctorByNodeMs / v.threeCommandsMs).toFixed(2)})`);
}
console.log(`NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? `is set (${process.env.NODE_EXTRA_CA_CERTS}): the direct start pays for it` : 'is not set: the two starts differ only by the launcher'}`);
if (faulty) console.log(`native, an nft drop on the path: doctor ${faulty.doctorMs.toFixed(0)} ms (aim < 1000 ms, tracing on), ${faulty.nftrace ? 'named by nftrace' : 'NOT named by nftrace'}: ${faulty.rule}`);
out.faulty = faulty;
if (!out.docker) console.log('no Docker engine (TSDIAG_DOCKER_HOST / TSDIAG_DOCKER_NETNS): docker comparison not run');
if (!out.podman) console.log('no Podman (TSDIAG_PODMAN_HOST / TSDIAG_PODMAN_NETNS): podman comparison not run');
console.log(JSON.stringify(out));
