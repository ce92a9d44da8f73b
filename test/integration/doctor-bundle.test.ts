import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSandbox } from '../helpers/sandbox.js';
import { PairSandbox } from '../helpers/pair-sandbox.js';
import type { DoctorJson } from '../helpers/lab.js';
import { readTarGz } from '../../src/diag/bundle/tar.js';

/**
 * `doctor --bundle`: a support bundle of a run with a fault built by hand
 * (db's veth taken off its bridge), then `--from-bundle` judging it again
 * offline to the same report.
 */
describe('doctor: a support bundle, judged again offline', () => {
  let sb: TestSandbox;
  let file = '';
  let live: DoctorJson;
  let files: Map<string, Buffer>;
  const SECRET = 'bundle-secret-4f1c9a';

  let pair: PairSandbox;
  beforeAll(async () => {
    pair = await PairSandbox.create('bndl');
    sb = pair.sb;
    await execa('ip', ['-n', sb.name, 'link', 'set', pair.hostEnd.db!, 'nomaster']);
    file = path.join(sb.stateDir, 'b.tar.gz');
    // dns.upstream is left out: the sandbox has no upstream resolver (4 s per run)
    const args = ['doctor', 'web', 'db', '--port', '5432', '--check', '^(?!dns\\.upstream$)'];
    const res = await sb.cli([...args, '--json', '--bundle', file], { env: { TSDIAG_BUNDLE_TEST_SECRET: SECRET } });
    expect(res.exitCode, res.stderr).toBe(1);
    live = JSON.parse(res.stdout);
    files = readTarGz(fs.readFileSync(file));
  });
  afterAll(async () => pair?.dispose());

  it('holds the report, the facts, the rulesets and both namespaces\' state', () => {
    const names = [...files.keys()];
    for (const f of ['README.txt', 'report.json', 'report.txt', 'facts.json', 'versions.json', 'host/nft-ruleset.txt',
      'host/iptables-nft-save.txt', 'host/iptables-legacy-save.txt', 'host/links.txt', 'host/addresses.txt', 'host/routes.txt',
      'host/neighbours.txt', 'containers/web/links.txt', 'containers/web/routes.txt', 'containers/web/resolv.conf',
      'containers/db/addresses.txt', 'containers/db/neighbours.txt', 'containers/db/resolv.conf']) expect(names).toContain(f);
    const text = (name: string) => files.get(name)!.toString('utf8');
    expect(text('host/iptables-nft-save.txt')).toMatch(/^\*filter/m);
    expect(text('host/links.txt')).toContain('br-');
    expect(text('containers/db/addresses.txt')).toMatch(/inet 172\.18\.0\.\d+\/16/);
    expect(text('containers/web/resolv.conf')).toContain('nameserver 172.18.0.1');
    expect(JSON.parse(text('versions.json'))).toMatchObject({ tsdiag: '0.1.0', node: process.version, backend: 'native' });
    expect(text('report.txt')).toContain('FAIL  link.master');
    const facts = JSON.parse(text('facts.json'));
    expect(facts.checks.map((c: { id: string }) => c.id)).toContain('link.master');
    // the --json on stdout carries no facts unless --facts asks
    expect(JSON.stringify(live)).not.toContain('"facts"');
  });

  it('carries no environment variable', () => {
    for (const [name, data] of files) {
      const text = data.toString('utf8');
      expect(text, name).not.toContain(SECRET);
      expect(text, name).not.toContain(process.env.PATH!);
      expect(text, name).not.toContain(sb.stateDir);
    }
  });

  it('--from-bundle judges it again to the same report, with no privilege and no namespace', async () => {
    const res = await execa(process.execPath, [path.resolve(import.meta.dirname, '../../dist/bundle/main.cjs'), 'doctor', '--from-bundle', file, '--json'],
      { reject: false, env: { TSDIAG_STATE_DIR: '/nonexistent' } });
    expect(res.exitCode, String(res.stderr)).toBe(1);
    const again = JSON.parse(String(res.stdout)) as DoctorJson & { path?: unknown };
    const shape = (r: DoctorJson) => r.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary, evidence: c.evidence, fix: c.fix, because: c.because }));
    expect(shape(again)).toEqual(shape(live));
    expect(again.counts).toEqual(live.counts);
    expect(again.path).toEqual((live as { path?: unknown }).path);
    expect(again.checks.find((c) => c.id === 'link.master')!.status).toBe('fail');
    const text = await execa(process.execPath, [path.resolve(import.meta.dirname, '../../dist/bundle/main.cjs'), 'doctor', '--from-bundle', file], { reject: false });
    const body = (t: string) => t.trimEnd().replace(/ in [0-9.]+ s$/, '');
    expect(body(String(text.stdout))).toBe(body(files.get('report.txt')!.toString('utf8')));
  });

  it('an unreadable or damaged bundle is one line and exit 2', async () => {
    const bad = path.join(sb.stateDir, 'bad.tar.gz');
    fs.writeFileSync(bad, fs.readFileSync(file).subarray(0, 100));
    const notTar = path.join(sb.stateDir, 'plain.txt');
    fs.writeFileSync(notTar, 'hello');
    for (const f of [bad, notTar, path.join(sb.stateDir, 'missing.tar.gz'), sb.stateDir]) {
      const res = await sb.cli(['doctor', '--from-bundle', f]);
      expect(res.exitCode, f).toBe(2);
      expect(res.stderr.trim().split('\n'), f).toHaveLength(1);
      expect(res.stderr).toMatch(/^tsdiag: --from-bundle /);
    }
  });
});
