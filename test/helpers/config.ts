import { configure } from '../../src/config.js';

/**
 * Runs fn with TSDIAG_* variables changed for this process (e.g.
 * `{ TSDIAG_NATIVE: '-netlink' }`), then puts process.env's configuration back.
 */
export async function withConfig<T>(changes: Record<string, string>, fn: () => T | Promise<T>): Promise<T> {
  configure({ ...process.env, ...changes });
  try {
    return await fn();
  } finally {
    configure(process.env);
  }
}
