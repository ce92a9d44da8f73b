import { fileURLToPath } from 'node:url';
import { servesEmbeddedDns } from '../netcore/bridge/containers.js';
import type { HostRef } from '../netcore/host.js';
import { readState } from '../netcore/bridge/state/store.js';
import { startDnsServerInBackground } from '../dns/daemon.js';
import { waitForDnsSync } from '../dns/sync.js';

const CLI_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * Starts the host's embedded DNS server once a container sits on a
 * user-defined bridge network, as Docker does, and waits until it has loaded
 * the state as it is now (a running server follows the store by itself), so
 * that the new names resolve when the command returns.
 */
export async function ensureDnsServer(host: HostRef): Promise<void> {
  const state = await readState(host);
  const needed = Object.values(state.containers).some((c) =>
    c.endpoints.some((e) => state.networks[e.network] && servesEmbeddedDns(state.networks[e.network]!)));
  if (!needed) return;
  await startDnsServerInBackground(host, { cliScript: CLI_SCRIPT });
  await waitForDnsSync(host);
}
