import fs from 'node:fs/promises';
import { startWeb, stopContainer } from '../setup.js';
import type { Fault, Lab } from '../types.js';
import { LAB_UPSTREAM } from '../upstream.js';

/** TEST-NET-1: the lab routes it into the outside namespace, which forwards nothing, so it never answers. */
const DEAD_UPSTREAM = '192.0.2.1';
/** the embedded server re-reads the host's resolver file every 2 s */
const UPSTREAM_RELOAD_MS = 2500;

const hostResolvConf = (lab: Lab) => `/etc/netns/${lab.name}/resolv.conf`;

/** A new host resolver file takes effect for web once web is made again (its ExtServers) and the server has re-read it. */
async function setHostUpstreams(lab: Lab, servers: string[]): Promise<void> {
  await fs.writeFile(hostResolvConf(lab), servers.map((s) => `nameserver ${s}\n`).join(''));
  await stopContainer(lab, 'web');
  await startWeb(lab);
  await new Promise((r) => setTimeout(r, UPSTREAM_RELOAD_MS));
}

/** S4: the first upstream never answers: every outside lookup waits 4 s. */
export const s4DeadFirstUpstream: Fault = {
  id: 'S4',
  check: 'dns.upstream',
  description: `the host's first upstream (${DEAD_UPSTREAM}) never answers`,
  apply: (lab) => setHostUpstreams(lab, [DEAD_UPSTREAM, LAB_UPSTREAM]),
  heal: (lab) => setHostUpstreams(lab, [LAB_UPSTREAM]),
};

/** The address web is given as its only upstream in S3: its own loopback, where nothing serves DNS. */
const WEB_OWN_LOOPBACK = '127.0.0.1';

/** S3: web's only upstream is a loopback address (`--dns 127.0.0.1`), dialled from inside web, where nothing listens. */
export const s3LoopbackUpstreamInside: Fault = {
  id: 'S3',
  check: 'dns.upstream',
  description: `web's only upstream is ${WEB_OWN_LOOPBACK} (--dns), dialled from inside web where nothing listens`,
  async apply(lab) {
    await stopContainer(lab, 'web');
    await startWeb(lab, { dns: [WEB_OWN_LOOPBACK] });
  },
  async heal(lab) {
    await stopContainer(lab, 'web');
    await startWeb(lab);
  },
};
