import fs from 'node:fs/promises';
import path from 'node:path';
import { createContainer, removeContainer } from '../../netcore/bridge/containers.js';
import { run } from '../../netcore/kernel/exec.js';
import { startDetached } from '../../netcore/kernel/detached.js';
import { hostStateDir } from '../../netcore/host.js';
import { macForAddress } from '../../netcore/bridge/ipam.js';
import { formatIpv4, lastAddress, parseCidr } from '../../netcore/ipv4.js';
import { createNetwork, OPT_MTU, removeNetwork } from '../../netcore/bridge/networks.js';
import { killNetnsProcesses } from '../../netcore/kernel/processes.js';
import type { Fault, Lab } from '../types.js';

/**
 * A two-node overlay without Docker: the lab's host is node 1, a namespace
 * `<lab>:swarm-node2` is node 2, joined by an underlay veth (198.18.1.1 and
 * .2). Network `ovl` (MTU 1450: VXLAN takes 50 bytes) is stretched to node 2
 * by a VXLAN link (VNI 4096, udp 4789) that is a port of its bridge on both
 * nodes. Container `task1` sits on ovl on node 1, the namespace
 * `<lab>:swarm-task2` on node 2 behind node 2's bridge. Node 1 holds what an
 * overlay's control plane writes for task2 (a forwarding entry to node 2, a
 * permanent neighbour entry), node 2 listens on 2377/tcp, 7946/tcp and
 * 7946/udp like a manager. The doctor finds node 2 from the VXLAN link alone.
 */
export const SWARM = {
  network: 'ovl',
  localTask: 'task1',
  node1: '198.18.1.1',
  node2: '198.18.1.2',
  vni: 4096,
  dataPort: 4789,
  mtu: 1450,
  underlay: 'swu0',
  vxlan: 'vxlan4096',
} as const;

export const swarmNode2 = (lab: Lab) => `${lab.name}:swarm-node2`;
const remoteTaskNetns = (lab: Lab) => `${lab.name}:swarm-task2`;
const listenerPidFile = (lab: Lab) => path.join(hostStateDir(lab.host), 'lab-swarm-listeners.pid');

function listenersCommand(): string[] {
  const js = `const net=require('net'),dgram=require('dgram');` +
    `for(const p of [2377,7946])net.createServer(s=>{s.on('error',()=>{});s.end()}).listen(p,'0.0.0.0');` +
    `dgram.createSocket('udp4').on('message',()=>{}).bind(7946,'0.0.0.0')`;
  return [process.execPath, '-e', js];
}

async function startListeners(lab: Lab): Promise<void> {
  const [cmd, ...args] = listenersCommand();
  const listeners = await startDetached(cmd!, args, { netns: swarmNode2(lab), pidFile: listenerPidFile(lab) });
  const listens = async () => (await run('ss', ['-Hltn', 'sport = :7946'], { netns: swarmNode2(lab), reject: false })).stdout.trim() !== '';
  // gone or slow: the doctor then finds node 2's ports closed, which the fault's check reports
  await listeners.waitUntil(listens, { timeoutMs: 5000, pollMs: 25 });
}

/** VXLAN link VNI `vni` to `remote`, as a port of `bridge`. */
async function vxlanPort(netns: string, local: string, remote: string, dev: string, bridge: string): Promise<void> {
  await run('ip', ['link', 'add', SWARM.vxlan, 'type', 'vxlan', 'id', String(SWARM.vni), 'remote', remote, 'local', local,
    'dstport', String(SWARM.dataPort), 'dev', dev], { netns });
  await run('ip', ['link', 'set', SWARM.vxlan, 'master', bridge, 'up'], { netns });
}

export async function buildSwarmLab(lab: Lab): Promise<void> {
  const node2 = swarmNode2(lab);
  const task2 = remoteTaskNetns(lab);
  const host = (args: string[]) => run('ip', args, { netns: lab.name });
  const onNode2 = (args: string[]) => run('ip', args, { netns: node2 });
  const net = await createNetwork(lab.host, { name: SWARM.network, options: { [OPT_MTU]: String(SWARM.mtu) } });
  await createContainer(lab.host, { name: SWARM.localTask, network: SWARM.network });
  for (const ns of [node2, task2]) {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'set', 'lo', 'up'], { netns: ns });
  }
  await host(['link', 'add', SWARM.underlay, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node2]);
  await host(['addr', 'add', `${SWARM.node1}/24`, 'dev', SWARM.underlay]);
  await host(['link', 'set', SWARM.underlay, 'up']);
  await onNode2(['addr', 'add', `${SWARM.node2}/24`, 'dev', 'eth0']);
  await onNode2(['link', 'set', 'eth0', 'up']);
  await vxlanPort(lab.name, SWARM.node1, SWARM.node2, SWARM.underlay, net.device!);
  await onNode2(['link', 'add', 'br0', 'type', 'bridge']);
  await onNode2(['link', 'set', 'br0', 'up']);
  await vxlanPort(node2, SWARM.node2, SWARM.node1, 'eth0', 'br0');

  const subnet = parseCidr(net.subnet!);
  const task2Address = formatIpv4(lastAddress(subnet) - 1);
  const task2Mac = macForAddress(task2Address);
  await onNode2(['link', 'add', 'veth-task2', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', task2]);
  await onNode2(['link', 'set', 'veth-task2', 'master', 'br0', 'mtu', String(SWARM.mtu), 'up']);
  const inTask2 = (args: string[]) => run('ip', args, { netns: task2 });
  await inTask2(['link', 'set', 'eth0', 'address', task2Mac, 'mtu', String(SWARM.mtu), 'up']);
  await inTask2(['addr', 'add', `${task2Address}/${subnet.prefix}`, 'dev', 'eth0']);
  // what the overlay's control plane tells node 1 about task2
  await run('bridge', ['fdb', 'append', task2Mac, 'dev', SWARM.vxlan, 'dst', SWARM.node2], { netns: lab.name });
  await host(['neigh', 'replace', task2Address, 'lladdr', task2Mac, 'dev', SWARM.vxlan, 'nud', 'permanent']);
  await startListeners(lab);
}

export async function removeSwarmLab(lab: Lab): Promise<void> {
  for (const ns of [swarmNode2(lab), remoteTaskNetns(lab)]) {
    await killNetnsProcesses(ns);
    await run('ip', ['netns', 'del', ns], { reject: false });
  }
  await fs.rm(listenerPidFile(lab), { force: true });
  for (const link of [SWARM.vxlan, SWARM.underlay]) await run('ip', ['link', 'del', link], { netns: lab.name, reject: false });
  await removeContainer(lab.host, SWARM.localTask, { force: true }).catch(() => undefined);
  await removeNetwork(lab.host, SWARM.network).catch(() => undefined);
}

/** S15: node 2 drops VXLAN (4789/udp) in INPUT: control ports still answer, overlay traffic dies. */
export const s15SwarmDataPort: Fault = {
  id: 'S15',
  check: 'swarm.ports',
  description: `a two-node VXLAN overlay (node 2: namespace <lab>:swarm-node2, ${SWARM.node2}); node 2 drops ${SWARM.dataPort}/udp in INPUT`,
  async apply(lab) {
    try {
      await buildSwarmLab(lab);
      await run('iptables', ['-I', 'INPUT', '-p', 'udp', '--dport', String(SWARM.dataPort), '-j', 'DROP'], { netns: swarmNode2(lab) });
    } catch (err) {
      await removeSwarmLab(lab);
      throw err;
    }
  },
  // the rule goes with node 2's namespace
  heal: removeSwarmLab,
};
