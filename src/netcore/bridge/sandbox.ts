import fs from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { applySteps } from './executor.js';
import { namedNetnsList } from '../kernel/hostfacts.js';
import { hostStateDir, type HostRef } from '../host.js';
import { sandboxOutsideNetns } from './naming.js';
import { planContainerRemove, planNamespaceRemove } from './plan.js';
import { hostCtx } from './hostctx.js';
import { ipStep, type Step } from './steps.js';
import { readState } from './state/store.js';
import { emptyState, type SandboxRecord } from './state/types.js';
import { validateName } from '../validate.js';

/**
 * A sandbox: a network namespace that stands in for a whole Docker host, with
 * an "outside" namespace behind an uplink veth (the internet, as far as NAT and
 * published ports can tell). Every sandbox is closed, so all of them can use
 * the same uplink subnets from the benchmarking ranges (198.18.0.0/15 and
 * 2001:2::/48, RFC 5180): a dual-stack uplink, so IPv6 networks' NAT and
 * published ports can be reached from outside too.
 */
const UPLINK: Required<Omit<SandboxRecord, 'outsideNetns'>> = {
  uplinkSubnet: '198.18.0.0/24',
  hostAddress: '198.18.0.2',
  outsideAddress: '198.18.0.1',
  uplinkSubnet6: '2001:2::/64',
  hostAddress6: '2001:2::2',
  outsideAddress6: '2001:2::1',
};

export function sandboxHost(name: string, stateDir: string): HostRef {
  return { netns: name, stateDir };
}

export async function createSandbox(name: string, stateDir: string): Promise<SandboxRecord> {
  validateName('sandbox', name);
  const host = sandboxHost(name, stateDir);
  const existing = await namedNetnsList();
  const outside = sandboxOutsideNetns(name);
  if (existing.includes(name) || existing.includes(outside)) throw new UsageError(`a network namespace named ${name} already exists`);
  const record: SandboxRecord = { ...UPLINK, outsideNetns: outside };
  const steps: Step[] = [
    { what: `create namespace ${name}`, do: { type: 'netns-add', name }, undo: { type: 'netns-del', name } },
    { what: `create namespace ${outside}`, do: { type: 'netns-add', name: outside }, undo: { type: 'netns-del', name: outside } },
    {
      what: 'resolver file of the sandbox host',
      do: { type: 'write-file', path: `/etc/netns/${name}/resolv.conf`, content: `nameserver ${UPLINK.outsideAddress}\n` },
      undo: { type: 'remove-path', path: `/etc/netns/${name}` },
    },
    ipStep('lo up', name, ['link', 'set', 'lo', 'up']),
    ipStep('uplink veth', name, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]),
    ipStep('uplink address', name, ['addr', 'add', `${UPLINK.hostAddress}/24`, 'dev', 'eth0']),
    // nodad: a tentative address cannot be a source, and DAD would hold these for a second
    ipStep('uplink IPv6 address', name, ['addr', 'add', `${UPLINK.hostAddress6}/64`, 'dev', 'eth0', 'nodad']),
    ipStep('uplink up', name, ['link', 'set', 'eth0', 'up']),
    ipStep('default route', name, ['route', 'add', 'default', 'via', UPLINK.outsideAddress]),
    ipStep('default IPv6 route', name, ['route', 'add', 'default', 'via', UPLINK.outsideAddress6]),
    ipStep('lo up outside', outside, ['link', 'set', 'lo', 'up']),
    ipStep('outside address', outside, ['addr', 'add', `${UPLINK.outsideAddress}/24`, 'dev', 'eth0']),
    ipStep('outside IPv6 address', outside, ['addr', 'add', `${UPLINK.outsideAddress6}/64`, 'dev', 'eth0', 'nodad']),
    ipStep('outside up', outside, ['link', 'set', 'eth0', 'up']),
    { what: 'sandbox state', do: { type: 'write-state', state: { ...emptyState(), sandbox: record } }, undo: { type: 'remove-path', path: hostStateDir(host) } },
  ];
  await applySteps(steps, { host });
  return record;
}

/** Removes a sandbox and everything in it: containers' processes and namespaces, the DNS server, the state. */
export async function removeSandbox(name: string, stateDir: string): Promise<void> {
  validateName('sandbox', name);
  const host = sandboxHost(name, stateDir);
  const state = await readState(host);
  const present = await namedNetnsList();
  if (!state.sandbox && !present.includes(name)) throw new UsageError(`no sandbox named ${name}`);
  await stopPidFiles(hostStateDir(host));
  const ctx = hostCtx(host, state);
  const steps: Step[] = Object.values(state.containers).flatMap((c) => planContainerRemove(ctx, c));
  // containers made by a process killed half way have a namespace but no state
  for (const ns of present.filter((n) => n.startsWith(ctx.naming.netnsPrefix))) {
    steps.push(...planNamespaceRemove(ns));
  }
  for (const ns of [name, sandboxOutsideNetns(name)]) {
    steps.push(...planNamespaceRemove(ns));
  }
  steps.push({ what: 'remove state', do: { type: 'remove-path', path: hostStateDir(host) }, undo: null });
  await applySteps(steps, { host, bestEffort: true });
}

/** Processes tsdiag started for the host (the DNS server): their pid files live in the state dir. */
async function stopPidFiles(dir: string): Promise<void> {
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.pid'));
  for (const f of files) {
    const pid = Number.parseInt(await fs.readFile(`${dir}/${f}`, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
  }
}

export interface SandboxInfo {
  name: string;
  exists: boolean;
  networks: number;
  containers: number;
  uplink: string;
}

export async function listSandboxes(stateDir: string): Promise<SandboxInfo[]> {
  const dirs = await fs.readdir(stateDir).catch(() => [] as string[]);
  const present = new Set(await namedNetnsList());
  const out: SandboxInfo[] = [];
  for (const d of dirs.filter((x) => x.startsWith('netns-')).sort()) {
    const name = d.slice('netns-'.length);
    const state = await readState(sandboxHost(name, stateDir)).catch(() => null);
    if (!state?.sandbox) continue;
    out.push({
      name, exists: present.has(name), networks: Object.keys(state.networks).length,
      containers: Object.keys(state.containers).length, uplink: `${state.sandbox.hostAddress} -> ${state.sandbox.outsideAddress}`,
    });
  }
  return out;
}

