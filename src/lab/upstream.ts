import path from 'node:path';
import { OperationError } from '../netcore/errors.js';
import { startDetached } from '../netcore/kernel/detached.js';
import { readNow } from '../netcore/kernel/read-now.js';
import { hostStateDir } from '../netcore/host.js';
import { sandboxOutsideNetns } from '../netcore/bridge/naming.js';
import type { Lab } from './types.js';

/** Where the lab host's resolver file points: the outside namespace's end of the uplink. */
export const LAB_UPSTREAM = '198.18.0.1';

/**
 * The lab's "internet" DNS: dnsmasq in the outside namespace, answering
 * `localhost` (as every resolver does, RFC 6761) and names under lab.test,
 * forwarding nothing. It stays in the foreground of a detached session (-k)
 * and writes its pid file once its socket is bound: that file sits in the
 * lab's state dir, so removing the sandbox stops it.
 */
export async function startUpstreamDns(lab: Lab): Promise<void> {
  const dir = hostStateDir(lab.host);
  const pidFile = path.join(dir, 'upstream-dns.pid');
  const logFile = path.join(dir, 'upstream-dns.log');
  const dnsmasq = await startDetached('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    `--listen-address=${LAB_UPSTREAM}`, '--bind-interfaces', '--local=/lab.test/', '--address=/localhost/127.0.0.1',
    `--host-record=upstream.lab.test,${LAB_UPSTREAM}`, `--pid-file=${pidFile}`, '--user=root'],
  { netns: sandboxOutsideNetns(lab.name), withEtc: true, logFile });
  const claimed = () => Number.parseInt(readNow(pidFile) ?? '', 10) === dnsmasq.pid;
  const up = await dnsmasq.waitUntil(claimed, { timeoutMs: 5000, pollMs: 20 });
  if (up !== 'ready') throw new OperationError(`dnsmasq did not start${dnsmasq.exitCode !== null ? ` (exit code ${dnsmasq.exitCode})` : ''}: ${(readNow(logFile) ?? '').trim()}`);
}
