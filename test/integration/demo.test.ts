import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/sandbox.js';

describe('the main job: tsdiag demo', () => {
  it('tours the networks, then the doctor finds the fault and passes once healed; leaves nothing behind', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-demo-'));
    try {
      const res = await execa(process.execPath, [CLI, 'demo'], { env: { TSDIAG_STATE_DIR: stateDir }, reject: false, timeout: 120_000 });
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/ok {3}web -> db \(172\.19\.0\.3\): no answer, expected none: different networks are isolated/);
      expect(res.stdout).toMatch(/FAIL {2}app\.listen: db listens on port 5432 only on 127\.0\.0\.1/);
      expect(res.stdout.match(/^0 failed, 0 warned, \d+ passed/gm)).toHaveLength(2);
      const left = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith('tsdiag-demo'));
      expect(left).toEqual([]);
      expect(fs.readdirSync(stateDir)).toEqual([]);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
