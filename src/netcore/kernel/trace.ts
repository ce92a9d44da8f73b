import { config } from '../../config.js';

/**
 * Phase timestamps of a doctor run, for profiling its wall time:
 * `TSDIAG_TRACE=1 tsdiag doctor ...` prints `<ms since the process started> <what>`
 * on stderr. Off, it costs one test of a constant (read as the module loads).
 */
export const tracing = config().trace;

export function trace(what: string): void {
  if (tracing) process.stderr.write(`[trace] ${performance.now().toFixed(1).padStart(7)} ms ${what}\n`);
}
