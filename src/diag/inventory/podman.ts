import fs from 'node:fs/promises';
import { DockerInventory, mtuOption } from './docker.js';
import { DockerApi, socketPathOf } from './docker-api.js';
import type { InvContainer, InvNetwork, InventoryProvider, ListOptions } from './types.js';
import { rootlessFromInfo, rootlessLimits, type LibpodInfo, type PodmanRootless } from './podman-rootless.js';

export const DEFAULT_PODMAN_HOST = 'unix:///run/podman/podman.sock';

export interface PodmanInventoryOptions {
  /** unix:///path; default: $CONTAINER_HOST, else unix:///run/podman/podman.sock */
  podmanHost?: string;
  /** the named network namespace podman (netavark) runs in (null: the machine's own) */
  hostNetns?: string | null;
}

/** A network as libpod's API reports it (GET /libpod/networks/json, Podman 4). */
export interface LibpodNetwork {
  name: string;
  id: string;
  driver: string;
  network_interface?: string;
  subnets?: Array<{ subnet: string; gateway?: string }> | null;
  internal: boolean;
  dns_enabled: boolean;
  options?: Record<string, string> | null;
}

/**
 * Containers and networks as a Podman reports them (rootful, or rootless: see rootless()). Containers come
 * from the Docker-compatible endpoints (the same fields as Docker's), networks
 * from libpod's: the compat ones lack the bridge's name and dns_enabled.
 */
export class PodmanInventory implements InventoryProvider {
  readonly backend = 'podman' as const;
  readonly hostNetns: string | null;
  readonly podmanHost: string;
  private readonly api: DockerApi;
  private readonly compat: DockerInventory;

  constructor(options: PodmanInventoryOptions = {}) {
    this.podmanHost = options.podmanHost || DEFAULT_PODMAN_HOST;
    this.hostNetns = options.hostNetns ?? null;
    this.api = new DockerApi({ dockerHost: this.podmanHost });
    this.compat = new DockerInventory({ dockerHost: this.podmanHost, hostNetns: this.hostNetns });
  }

  available(): Promise<boolean> {
    return this.api.ping();
  }

  async listContainers(options: ListOptions = {}): Promise<InvContainer[]> {
    const [containers, networks] = await Promise.all([this.compat.listContainers(options), this.libpodNetworks()]);
    // the compat endpoints give a network's name where Docker gives its id
    const idOf = new Map(networks.map((n) => [n.name, n.id]));
    return containers.map((c) => ({
      ...c,
      backend: 'podman',
      endpoints: c.endpoints.map((ep) => ({ ...ep, networkId: idOf.get(ep.network) ?? ep.networkId })),
    }));
  }

  async listNetworks(): Promise<InvNetwork[]> {
    return (await this.libpodNetworks()).map(networkFromLibpod).sort((a, b) => a.name.localeCompare(b.name));
  }

  namespacesOf(names: string[]): Promise<Array<string | null>> {
    return this.compat.namespacesOf(names);
  }

  private rootlessView: Promise<PodmanRootless | null> | null = null;

  /**
   * null: rootful. Read once per inventory. A socket owned by root is a
   * rootful service's (a rootless user cannot make a root-owned file): that
   * spares the API's info, which asks every helper its version (~300 ms).
   */
  rootless(): Promise<PodmanRootless | null> {
    this.rootlessView ??= socketOwnedByRoot(this.podmanHost).then((root) => (root ? null
      : this.api.getJson<LibpodInfo>('/v4.0.0/libpod/info').then(rootlessFromInfo)));
    return this.rootlessView;
  }

  async unprobed(): Promise<string | null> {
    const r = await this.rootless();
    return r ? rootlessLimits(r) : null;
  }

  private libpodNetworks(): Promise<LibpodNetwork[]> {
    return this.api.getJson<LibpodNetwork[]>('/v4.0.0/libpod/networks/json');
  }
}

async function socketOwnedByRoot(podmanHost: string): Promise<boolean> {
  if (!podmanHost.startsWith('unix://')) return false;
  return fs.stat(socketPathOf(podmanHost)).then((st) => st.uid === 0, () => false);
}

export function networkFromLibpod(n: LibpodNetwork): InvNetwork {
  const v4 = (n.subnets ?? []).find((s) => s.subnet.includes('.'));
  const v6 = (n.subnets ?? []).find((s) => s.subnet.includes(':'));
  return {
    backend: 'podman', id: n.id, name: n.name, driver: n.driver,
    subnet: v4?.subnet ?? null, gateway: v4?.gateway ?? null,
    subnet6: v6?.subnet ?? null, gateway6: v6?.gateway ?? null, internal: n.internal,
    bridge: n.driver === 'bridge' ? (n.network_interface ?? null) : null,
    mtu: mtuOption(n.options?.mtu),
    // what isDefault tells the checks: no embedded DNS (podman's default network, or --disable-dns)
    isDefault: !n.dns_enabled,
  };
}
