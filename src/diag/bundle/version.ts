import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tsdiag's version from its package.json, found upward from this module (tsc's output and the bundle alike). */
export function tsdiagVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tsdiag' && pkg.version) return pkg.version;
    } catch {
      // none here: one level up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
