import fs from 'node:fs/promises';
import { createContainer, removeContainer, startDetached } from '../netcore/bridge/containers.js';
import { netnsPids } from '../netcore/kernel/processes.js';
import { readState } from '../netcore/bridge/state/store.js';
import { serviceCommand } from './service.js';
import type { Lab } from './types.js';

/** db: the service on `bind`:port, published on the same host port. */
export async function startDb(lab: Lab, opts: { network?: string; bind?: string } = {}): Promise<void> {
  await createContainer(lab.host, { name: 'db', network: opts.network ?? 'app', publish: [`${lab.port}:${lab.port}`] });
  await startDetached(lab.host, 'db', serviceCommand(lab.port, opts.bind));
  await waitForListener(lab);
}

export async function startWeb(lab: Lab, opts: { network?: string; dns?: string[] } = {}): Promise<void> {
  await createContainer(lab.host, { name: 'web', network: opts.network ?? 'app', dns: opts.dns });
  await startDetached(lab.host, 'web', ['sleep', 'infinity']);
}

export async function stopContainer(lab: Lab, name: string): Promise<void> {
  await removeContainer(lab.host, name, { force: true }).catch(() => undefined);
}

/** The healthy lab's containers: db serving on all addresses, web idle, both on network `app`. */
export async function startLabContainers(lab: Lab, opts: { network?: string; dbNetwork?: string } = {}): Promise<void> {
  await startDb(lab, { network: opts.dbNetwork ?? opts.network });
  await startWeb(lab, { network: opts.network });
}

export async function stopLabContainers(lab: Lab): Promise<void> {
  for (const name of ['web', 'db']) await stopContainer(lab, name);
}

async function waitForListener(lab: Lab): Promise<void> {
  const ns = (await readState(lab.host)).containers.db?.netns;
  if (!ns) return;
  const hexPort = lab.port.toString(16).toUpperCase().padStart(4, '0');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const pid = (await netnsPids(ns))[0];
    const text = pid ? (await fs.readFile(`/proc/${pid}/net/tcp`, 'utf8').catch(() => '')) + (await fs.readFile(`/proc/${pid}/net/tcp6`, 'utf8').catch(() => '')) : '';
    if (new RegExp(`:${hexPort} 0+:0000 0A`).test(text)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}
