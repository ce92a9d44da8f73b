import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/sandbox.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/tsdiag');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-launcher-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Node names an extra CA file it cannot load on stderr before any code of ours runs
const MISSING_CA = { NODE_EXTRA_CA_CERTS: path.join(tmp, 'no-such-ca.pem') };

describe('the tsdiag command (bin/tsdiag)', () => {
  it('runs the bundle when reached through a symlink, as npm installs it, and through PATH', async () => {
    const linkDir = path.join(tmp, 'bin');
    fs.mkdirSync(linkDir);
    fs.symlinkSync(BIN, path.join(linkDir, 'tsdiag'));
    const viaLink = await execa(path.join(linkDir, 'tsdiag'), ['--version']);
    expect(viaLink.stdout).toMatch(/^tsdiag \d+\.\d+\.\d+$/);
    const viaPath = await execa('tsdiag', ['--version'], { env: { PATH: `${linkDir}:${process.env.PATH}` } });
    expect(viaPath.stdout).toBe(viaLink.stdout);
    const relative = await execa('sh', ['tsdiag', '--version'], { cwd: path.dirname(BIN) });
    expect(relative.stdout).toBe(viaLink.stdout);
  });

  it('starts Node without NODE_EXTRA_CA_CERTS (tsdiag opens no TLS connection), which node alone would load', async () => {
    const direct = await execa(process.execPath, [CLI, '--version'], { env: MISSING_CA });
    expect(direct.stderr).toMatch(/extra certs/i);
    const launched = await execa(BIN, ['--version'], { env: MISSING_CA });
    expect(launched.stderr).toBe('');
    expect(launched.stdout).toBe(direct.stdout);
  });

  it('passes arguments through untouched and keeps the exit code', async () => {
    const bad = await execa(BIN, ['doctor', 'web', 'bad name!'], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/bad name!/);
  });
});
