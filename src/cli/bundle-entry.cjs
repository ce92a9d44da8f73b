#!/usr/bin/env node
'use strict';
// The CLI's entry: runs the bundle (cli.cjs, made by scripts/bundle.mjs) with
// V8's code cache of it, so a start does not parse and compile ~450 KB of
// JavaScript again (~25 ms of a ~60 ms load here). A cache V8 rejects (another
// Node) only costs that compile; TSDIAG_WRITE_CODE_CACHE=1 writes the cache
// of what the run compiled when it ends (the build does this once). It is the
// build's switch, not run-time configuration, and this file runs before the
// bundle exists: so it is read here, not in src/config.ts.
//
// The bundle's import() calls (the TUI, execa) come here as __tsdiag_import:
// Node 20 loses the dynamic-import callback of a script compiled from a code
// cache ("A dynamic import callback was not specified").
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'cli.cjs');
const cacheFile = `${file}.cache`;

let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const source = `(function (exports, require, module, __filename, __dirname, __tsdiag_import) {${fs.readFileSync(file, 'utf8')}\n})`;
const script = new vm.Script(source, { filename: file, cachedData });
if (process.env.TSDIAG_WRITE_CODE_CACHE === '1') {
  process.once('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
// relative specifiers resolve from this file's directory, which is the bundle's
const importForBundle = (specifier) => import(specifier);
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname, importForBundle);
