import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../netcore/errors.js';
import { hostStateDir } from '../netcore/host.js';
import { createNetwork } from '../netcore/bridge/networks.js';
import { createSandbox, removeSandbox, sandboxHost } from '../netcore/bridge/sandbox.js';
import { readState } from '../netcore/bridge/state/store.js';
import { ensureDnsServer } from '../dns/daemon.js';
import { FAULTS } from './faults/index.js';
import { startLabContainers } from './setup.js';
import { startUpstreamDns } from './upstream.js';
import type { Fault, Lab } from './types.js';

export const DEFAULT_LAB = 'tsdiag-lab';
export const LAB_PORT = 5432;

function labOf(name: string, stateDir: string): Lab {
  return { name, host: sandboxHost(name, stateDir), port: LAB_PORT };
}

const faultFile = (lab: Lab) => path.join(hostStateDir(lab.host), 'lab-fault');

export function findFault(id: string): Fault {
  const f = FAULTS.find((x) => x.id.toLowerCase() === id.toLowerCase() || x.check === id);
  if (!f) throw new UsageError(`unknown fault "${id}" (known: ${FAULTS.map((x) => `${x.id} (${x.check})`).join(', ')})`);
  return f;
}

/**
 * Builds the lab (with its embedded DNS server, as a host with containers on
 * a user-defined network runs one) and the fault; returns once the DNS server
 * knows the containers as they are then.
 */
export async function labUp(stateDir: string, opts: { name?: string; fault?: string | null } = {}): Promise<Lab> {
  const lab = labOf(opts.name ?? DEFAULT_LAB, stateDir);
  const fault = opts.fault ? findFault(opts.fault) : null;
  await createSandbox(lab.name, stateDir);
  try {
    await startUpstreamDns(lab);
    await createNetwork(lab.host, { name: 'app' });
    await startLabContainers(lab);
    await ensureDnsServer(lab.host);
    if (fault) {
      await labFault(lab, fault.id);
      await ensureDnsServer(lab.host);
    }
  } catch (err) {
    await removeSandbox(lab.name, stateDir).catch(() => undefined);
    throw err;
  }
  return lab;
}

export async function currentFault(lab: Lab): Promise<Fault | null> {
  const id = (await fs.readFile(faultFile(lab), 'utf8').catch(() => '')).trim();
  return id ? findFault(id) : null;
}

export async function labFault(lab: Lab, id: string): Promise<Fault> {
  const fault = findFault(id);
  const present = await currentFault(lab);
  if (present) throw new UsageError(`fault ${present.id} is already built in: tsdiag lab heal first`);
  await fault.apply(lab);
  await fs.writeFile(faultFile(lab), fault.id + '\n');
  return fault;
}

export async function labHeal(lab: Lab): Promise<Fault | null> {
  const fault = await currentFault(lab);
  if (!fault) return null;
  await fault.heal(lab);
  await fs.rm(faultFile(lab), { force: true });
  return fault;
}

/** Builds a fault into a lab; returns once the DNS server knows the containers as they are now. */
export async function faultLab(stateDir: string, name: string, id: string): Promise<Fault> {
  const lab = await openLab(stateDir, name);
  const f = await labFault(lab, id);
  await ensureDnsServer(lab.host);
  return f;
}

/** Takes a lab's fault out; returns once the DNS server knows the containers as they are now. */
export async function healLab(stateDir: string, name: string): Promise<Fault | null> {
  const lab = await openLab(stateDir, name);
  const f = await labHeal(lab);
  await ensureDnsServer(lab.host);
  return f;
}

export async function openLab(stateDir: string, name = DEFAULT_LAB): Promise<Lab> {
  const lab = labOf(name, stateDir);
  const state = await readState(lab.host);
  if (!state.sandbox) throw new UsageError(`no lab named ${name}: tsdiag lab up first`);
  return lab;
}

export async function labDown(stateDir: string, name = DEFAULT_LAB): Promise<void> {
  await removeSandbox(name, stateDir);
}
