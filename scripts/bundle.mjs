#!/usr/bin/env node
// The CLI as one CommonJS file (dist/bundle/cli.cjs) with V8's code cache of
// it, instead of ~60 ES modules: each module Node's ESM loader fetches costs a
// resolve and asynchronous reads, and compiling them all again each start was
// most of a doctor run's load. Built from tsc's output (dist/), so the bundle
// runs exactly the code the unit tests import; code loaded lazily (commands,
// checks) stays lazy (esbuild's lazy module init).
//
// Not in it, loaded with import() from tsc's output as before: the TUI (ink
// and React are ES modules with top-level await), and the files that run as
// their own process (probe agent, DNS dialer, capture worker): a
// `new URL('./x.js', import.meta.url)` is rewritten to point from
// dist/bundle/ at the module's own directory.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'bundle');
const SIBLING_URL = /new URL\((['"])\.\/([^'"]+)\1, import\.meta\.url\)/g;
const IMPORT_META_URL = '__tsdiag_import_meta_url';

const fromBundle = (file) => path.relative(outdir, file).split(path.sep).join('/');

const plugin = {
  name: 'tsdiag-bundle',
  setup(b) {
    b.onResolve({ filter: /\/tui\// }, (args) => ({ path: `./${fromBundle(path.resolve(args.resolveDir, args.path))}`, external: true }));
    b.onLoad({ filter: /\/dist\/.*\.js$/ }, async (args) => {
      const text = await fs.readFile(args.path, 'utf8');
      const dir = fromBundle(path.dirname(args.path));
      return { contents: text.replace(SIBLING_URL, (_m, q, file) => `new URL(${q}${dir}/${file}${q}, import.meta.url)`), loader: 'js' };
    });
  },
};

await fs.rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(dist, 'cli/main.js')],
  outfile: path.join(outdir, 'cli.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.url': IMPORT_META_URL },
  banner: { js: `const ${IMPORT_META_URL} = require('node:url').pathToFileURL(__filename).href;` },
  plugins: [plugin],
  logLevel: 'warning',
});
// main.ts's #! line is kept by esbuild: a syntax error inside main.cjs's wrapper; and every import()
// left (of modules outside the bundle) goes through main.cjs (see there)
const cli = path.join(outdir, 'cli.cjs');
const text = (await fs.readFile(cli, 'utf8')).replace(/^#!.*\n/, '').replace(/\bimport\((?="(?:execa|\.\/[^"]+)"\))/g, '__tsdiag_import(');
const left = text.match(/\bimport\([^)]*\)/g);
if (left) throw new Error(`bundle: import() that main.cjs would not serve: ${left.join(', ')}`);
await fs.writeFile(cli, text);
await fs.copyFile(path.join(root, 'src/cli/bundle-entry.cjs'), path.join(outdir, 'main.cjs'));
await fs.chmod(path.join(outdir, 'main.cjs'), 0o755);
// the cache holds what a run compiled: the doctor's path, which loads most of the CLI
execFileSync(process.execPath, [path.join(outdir, 'main.cjs'), 'doctor', '--help'], { env: { ...process.env, TSDIAG_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' });
// the manual page, from the texts the bundle just built prints
execFileSync(process.execPath, [path.join(root, 'scripts/man.mjs')], { stdio: 'inherit' });
