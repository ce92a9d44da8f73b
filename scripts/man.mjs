#!/usr/bin/env node
// tsdiag(1) into dist/man/tsdiag.1, from the built CLI's own texts (`tsdiag man --roff`):
// the page says what --help says. Run by scripts/bundle.mjs after the bundle is built.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const page = execFileSync(process.execPath, [path.join(root, 'dist/bundle/main.cjs'), 'man', '--roff'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
await fs.mkdir(path.join(root, 'dist/man'), { recursive: true });
await fs.writeFile(path.join(root, 'dist/man/tsdiag.1'), page);
