import { createRequire } from 'node:module';
import { UsageError } from '../../netcore/errors.js';

const require = createRequire(import.meta.url);

/**
 * The `pcap` package (libpcap's binding) is an optional dependency: on a
 * machine without libpcap's headers or a C compiler its build fails and npm
 * leaves it out. Reading a file without a filter needs none of it.
 */
export const PCAP_MISSING =
  'the pcap package (libpcap\'s binding) is not installed: it did not build when tsdiag was installed (it needs libpcap-dev and a C compiler; install them, then install tsdiag again)';

let loaded: { pcap: unknown } | { error: string } | null = null;

/** The package, or why it cannot be loaded (one line). */
export function loadPcap(): { pcap: unknown } | { error: string } {
  if (!loaded) {
    try {
      loaded = { pcap: require('pcap') };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const absent = e.code === 'MODULE_NOT_FOUND' && /'pcap'/.test(e.message.split('\n')[0]!);
      loaded = { error: absent ? PCAP_MISSING : `libpcap's binding does not load: ${e.message.split('\n')[0]}` };
    }
  }
  return loaded;
}

/** The package as T (its callers declare what they use); a UsageError saying what needs it when it is absent. */
export function requirePcap<T>(what: string): T {
  const load = loadPcap();
  if ('error' in load) throw new UsageError(`${what} needs libpcap: ${load.error}`);
  return load.pcap as T;
}
