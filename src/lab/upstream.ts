import path from 'node:path';
import { run } from '../netcore/kernel/exec.js';
import { hostStateDir } from '../netcore/host.js';
import { sandboxOutsideNetns } from '../netcore/bridge/naming.js';
import type { Lab } from './types.js';

/** Where the lab host's resolver file points: the outside namespace's end of the uplink. */
export const LAB_UPSTREAM = '198.18.0.1';

/**
 * The lab's "internet" DNS: dnsmasq in the outside namespace, answering
 * `localhost` (as every resolver does, RFC 6761) and names under lab.test,
 * forwarding nothing. Its pid file sits in the lab's state dir, so removing
 * the sandbox stops it.
 */
export async function startUpstreamDns(lab: Lab): Promise<void> {
  await run('ip', ['netns', 'exec', sandboxOutsideNetns(lab.name), 'dnsmasq', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    `--listen-address=${LAB_UPSTREAM}`, '--bind-interfaces', '--local=/lab.test/', '--address=/localhost/127.0.0.1',
    `--host-record=upstream.lab.test,${LAB_UPSTREAM}`, `--pid-file=${path.join(hostStateDir(lab.host), 'upstream-dns.pid')}`, '--user=root']);
}
