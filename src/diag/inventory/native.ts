import { isRunning } from '../../netcore/bridge/containers.js';
import { netnsPathOf } from '../../netcore/kernel/exec.js';
import type { HostRef } from '../../netcore/host.js';
import { readState } from '../../netcore/bridge/state/store.js';
import type { ContainerRecord, HostState, NetworkRecord } from '../../netcore/bridge/state/types.js';
import type { InvContainer, InvNetwork, InventoryProvider } from './types.js';

/** tsdiag's own containers and networks, from the state store of one host. */
export class NativeInventory implements InventoryProvider {
  readonly backend = 'native' as const;
  readonly hostNetns: string | null;

  constructor(private readonly host: HostRef) {
    this.hostNetns = host.netns;
  }

  async available(): Promise<boolean> {
    return true;
  }

  async listContainers(): Promise<InvContainer[]> {
    const state = await readState(this.host);
    return Object.values(state.containers).map((c) => toInvContainer(state, c));
  }

  async listNetworks(): Promise<InvNetwork[]> {
    const state = await readState(this.host);
    return Object.values(state.networks).map(toInvNetwork);
  }
}

export function toInvNetwork(n: NetworkRecord): InvNetwork {
  return {
    backend: 'native', id: n.id, name: n.name, driver: n.driver, subnet: n.subnet, gateway: n.gateway,
    subnet6: n.subnet6 ?? null, gateway6: n.gateway6 ?? null, internal: n.internal,
    bridge: n.driver === 'bridge' ? n.device : null, mtu: n.mtu, isDefault: n.isDefault,
  };
}

/** An argument as a POSIX shell reads it back: quoted only when it has to be (commands are shown, never run through a shell). */
export function shellWord(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function toInvContainer(state: HostState, c: ContainerRecord): InvContainer {
  return {
    backend: 'native', id: c.id, name: c.name, running: c.netns !== null || isRunning(c),
    pid: isRunning(c) ? c.pid : null,
    netnsPath: c.netns ? netnsPathOf(c.netns) : null,
    networkMode: c.networkMode === 'bridge' ? (c.endpoints[0]?.network ?? 'bridge') : c.networkMode,
    endpoints: c.endpoints.map((e) => ({
      // an IPv6-only network's endpoints keep ipv4 '' in the state file
      network: e.network, networkId: e.networkId, ipv4: e.ipv4 || null, prefixLen: e.ipv4 ? e.prefixLen : null,
      ipv6: e.ipv6 ?? null, prefixLen6: e.ipv6 ? (e.prefixLen6 ?? 64) : null, mac: e.mac, aliases: e.aliases,
      hostIf: state.networks[e.network]?.driver === 'bridge' ? e.hostIf : null,
    })),
    published: c.ports,
    resolvConfPath: c.netns ? `/etc/netns/${c.netns}/resolv.conf` : null,
    command: c.cmd.map(shellWord).join(' '),
    dnsServers: c.dns,
  };
}
