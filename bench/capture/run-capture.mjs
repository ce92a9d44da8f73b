#!/usr/bin/env node
// Runs `tsdiag capture ARGS` from the built dist/ without the CLI entry (for
// tests and benchmarks, run inside a namespace with nsenter).
// Usage: node bench/capture/run-capture.mjs [capture options...]
const { command } = await import(new URL('../../dist/cli/commands/capture.js', import.meta.url));
const host = { netns: null, stateDir: process.env.TSDIAG_STATE_DIR || '/var/lib/tsdiag' };
process.exitCode = await command.run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, host });
