import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as users install it: `npm pack`, then a global install of the
// tarball into a prefix of its own, run from another directory through npm's
// bin symlink. The dist/ packed is the one `npm run build` made (prepack would
// rebuild it under the other suites' feet, so scripts are off for the pack).
// The first install fetches from the npm registry into a cache of its own; the
// second, with the C compiler replaced by `false`, runs offline from that cache.
const ROOT = path.resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PCAP = path.join(ROOT, 'fixtures/pcap/basic.pcap');
const ALLOW_SCRIPTS = '--allow-scripts=pcap,file:../native/tsdiag-native';
const NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-install-'));
const elsewhere = path.join(tmp, 'elsewhere');
const built = path.join(tmp, 'built/bin/tsdiag');
const bare = path.join(tmp, 'bare/bin/tsdiag');

// npm started by `npm test` hands its own settings down as npm_config_*: this install is a user's
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

async function installInto(prefix: string, tarball: string, flags: string[], env: Record<string, string> = {}) {
  const res = await execa('npm', ['install', '-g', '--prefix', prefix, '--cache', path.join(tmp, 'cache'), '--no-audit', '--no-fund', ALLOW_SCRIPTS, ...flags, tarball],
    { cwd: tmp, env: userEnv(env), extendEnv: false, reject: false, timeout: 120_000 });
  expect(res.exitCode, res.stderr).toBe(0);
  return res;
}

const run = (bin: string, args: string[], env: Record<string, string> = {}) =>
  execa(bin, args, { cwd: elsewhere, env: userEnv(env), extendEnv: false, reject: false, timeout: 60_000 });
const asNobody = (bin: string, args: string[]) =>
  execa('setpriv', [...NOBODY, bin, ...args], { cwd: elsewhere, env: userEnv(), extendEnv: false, reject: false, timeout: 30_000 });

let builtInstall: { stderr: string };
beforeAll(async () => {
  fs.mkdirSync(elsewhere);
  fs.chmodSync(tmp, 0o755);
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: ROOT, env: userEnv(), extendEnv: false });
  const tarball = path.join(tmp, pack.stdout.trim().split('\n').pop()!);
  builtInstall = await installInto(path.join(tmp, 'built'), tarball, ['--prefer-offline']);
  await installInto(path.join(tmp, 'bare'), tarball, ['--offline'], { CC: '/bin/false', CXX: '/bin/false' });
}, 180_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the installed tsdiag (npm install -g of the packed tarball)', () => {
  it('ships what runs and nothing of the tests', async () => {
    const pkg = path.join(tmp, 'built/lib/node_modules/tsdiag');
    expect(fs.lstatSync(built).isSymbolicLink()).toBe(true);
    for (const file of ['dist/bundle/main.cjs', 'dist/bundle/cli.cjs', 'dist/bundle/cli.cjs.cache', 'native/tsdiag-native/binding.gyp']) {
      expect(fs.existsSync(path.join(pkg, file)), file).toBe(true);
    }
    for (const dir of ['test', 'fixtures', 'src', 'bench']) expect(fs.existsSync(path.join(pkg, dir)), dir).toBe(false);
    expect(builtInstall.stderr).not.toMatch(/install-scripts/);
  });

  it('--version, version --json (both native builds loaded) and --help', async () => {
    expect((await run(built, ['--version'])).stdout).toBe(`tsdiag ${VERSION}`);
    const report = JSON.parse((await run(built, ['version', '--json'])).stdout);
    expect(report).toMatchObject({ tsdiag: VERSION, node: process.version, addon: { loaded: true }, libpcap: { available: true } });
    const help = await run(built, ['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsdiag /);
  });

  it('reads a pcap file as the checkout does, with and without a filter', async () => {
    for (const args of [['-r', PCAP], ['-r', PCAP, 'icmp']]) {
      const installed = await run(built, ['capture', ...args]);
      const checkout = await run(path.join(ROOT, 'bin/tsdiag'), ['capture', ...args]);
      expect(installed.exitCode, installed.stderr).toBe(0);
      expect(installed.stdout).toBe(checkout.stdout);
      expect(installed.stdout.split('\n').length).toBeGreaterThan(2);
    }
  });

  it('runs the demo (as root, in its sandbox)', async () => {
    const stateDir = path.join(tmp, 'demo-state');
    const res = await run(built, ['demo'], { TSDIAG_STATE_DIR: stateDir });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.match(/^0 failed, 0 warned, \d+ passed/gm)).toHaveLength(2);
  }, 120_000);

  it('without root: read-only commands work; the others name the capability and the sudo command', async () => {
    expect((await asNobody(built, ['--help'])).exitCode).toBe(0);
    expect((await asNobody(built, ['version'])).stdout).toMatch(new RegExp(`^tsdiag ${VERSION}\n`));
    const read = await asNobody(built, ['capture', '-r', PCAP, '-c', '1']);
    expect(read.exitCode, read.stderr).toBe(0);
    const create = await asNobody(built, ['network', 'create', 'my net']);
    expect(create.exitCode).toBe(2);
    expect(create.stderr).toBe("tsdiag: network create needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root)\nrun instead: sudo tsdiag network create 'my net'");
    const live = await asNobody(built, ['capture', '-i', 'lo', '-c', '1']);
    expect(live.exitCode).toBe(2);
    expect(live.stderr).toBe("tsdiag capture: lo: socket: Operation not permitted (live capture needs CAP_NET_RAW; run instead: sudo tsdiag capture -i lo -c 1)");
  });
});

describe('installed without a C compiler (both native builds fail)', () => {
  it('installs, runs, and says what is missing', async () => {
    const pkg = path.join(tmp, 'bare/lib/node_modules/tsdiag/node_modules');
    expect(fs.existsSync(path.join(pkg, 'pcap'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'tsdiag-native'))).toBe(false);
    const version = await run(bare, ['version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^addon: not used: Cannot find module 'tsdiag-native'/m);
    expect(version.stdout).toMatch(/^libpcap: not available: the pcap package .* is not installed/m);
    const read = await run(bare, ['capture', '-r', PCAP]);
    expect(read.exitCode, read.stderr).toBe(0);
    expect(read.stdout).toBe((await run(built, ['capture', '-r', PCAP])).stdout);
  });

  it('a filter on -r and live capture fail in one line naming libpcap', async () => {
    const filtered = await run(bare, ['capture', '-r', PCAP, 'icmp']);
    const live = await run(bare, ['capture', '-i', 'lo', '-c', '1']);
    for (const res of [filtered, live]) {
      expect(res.exitCode).toBe(2);
      expect(res.stderr).toMatch(/^tsdiag capture: .*needs libpcap: the pcap package \(libpcap's binding\) is not installed/);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
