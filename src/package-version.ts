import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tsdiag's version from its own package.json, found upwards from this module (tsc's output and the bundle alike). */
export function tsdiagVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tsdiag' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: one level up
    }
  }
  return 'unknown';
}
