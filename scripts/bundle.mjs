#!/usr/bin/env node
// The CLI as a few files (dist/bundle/) instead of ~60 modules: each module
// Node loads costs a resolve, a read and a compile (~2 ms here), which was
// most of a doctor run's start. Built from tsc's output (dist/), so the
// bundle runs exactly the code the unit tests import. Code loaded lazily
// (commands, the TUI, ink) stays lazy: esbuild splits at each import().
//
// Files that run as their own process (the probe agent, the DNS dialer, the
// capture worker) stay tsc's: `new URL('./x.js', import.meta.url)` in a module
// is rewritten to point from dist/bundle/ at the module's own directory.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/bundle');
const SIBLING_URL = /new URL\((['"])\.\/([^'"]+)\1, import\.meta\.url\)/g;

const siblingUrls = {
  name: 'sibling-urls',
  setup(b) {
    b.onLoad({ filter: /\/dist\/.*\.js$/ }, async (args) => {
      const text = await fs.readFile(args.path, 'utf8');
      const fromBundle = path.relative(outdir, path.dirname(args.path));
      return { contents: text.replace(SIBLING_URL, (_m, q, file) => `new URL(${q}${fromBundle}/${file}${q}, import.meta.url)`), loader: 'js' };
    });
  },
};

await fs.rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, 'dist/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  plugins: [siblingUrls],
  logLevel: 'warning',
});
await fs.chmod(path.join(outdir, 'main.js'), 0o755);
