import type { PortMapping } from '../../netcore/bridge/state/types.js';
import { hostEndsByMac, listLinks, type LinkSummary } from '../../netcore/kernel/veth-peer.js';
import {
  DockerApi,
  type DockerContainerInspect,
  type DockerContainerSummary,
  type DockerEndpointSettings,
  type DockerNetwork,
  type DockerPortMap,
} from './docker-api.js';
import { readSwarm } from './docker-swarm.js';
import { composeServiceOf } from './compose.js';
import { answersTo } from './names.js';
import type { InvContainer, InvEndpoint, InvNetwork, InventoryProvider, ListOptions, SwarmView } from './types.js';

export interface DockerInventoryOptions {
  /** unix:///path; default: $DOCKER_HOST, else unix:///var/run/docker.sock */
  dockerHost?: string;
  /** the named network namespace dockerd runs in (null: the machine's own) */
  hostNetns?: string | null;
}

/** Containers and networks as a Docker engine reports them, completed with the host ends of their veths. */
export class DockerInventory implements InventoryProvider {
  readonly backend = 'docker' as const;
  readonly hostNetns: string | null;
  private readonly api: DockerApi;

  constructor(options: DockerInventoryOptions = {}) {
    this.api = new DockerApi({ dockerHost: options.dockerHost });
    this.hostNetns = options.hostNetns ?? null;
  }

  available(): Promise<boolean> {
    return this.api.ping();
  }

  async listContainers(options: ListOptions = {}): Promise<InvContainer[]> {
    const summaries = await this.api.getJson<DockerContainerSummary[]>('/containers/json?all=1');
    const inspected = await Promise.all(
      summaries.map((s) => this.api.getJson<DockerContainerInspect>(`/containers/${encodeURIComponent(s.Id)}/json`)),
    );
    const { vethsOf } = options;
    const askedBy = (c: DockerContainerInspect) => ({ name: nameOf(c), id: c.Id, compose: composeServiceOf(c.Config?.Labels) });
    const withVeths = vethsOf ? inspected.filter((c) => vethsOf.some((n) => answersTo(askedBy(c), n))) : inspected;
    const hostLinks = await this.hostLinksIfNeeded(withVeths);
    const containers = await Promise.all(
      inspected.map(async (c) => containerFromInspect(c, withVeths.includes(c) ? await this.hostVethEnds(c, hostLinks) : new Map())),
    );
    return containers.sort((a, b) => a.name.localeCompare(b.name));
  }

  async listNetworks(): Promise<InvNetwork[]> {
    const networks = await this.api.getJson<DockerNetwork[]>('/networks');
    // Docker's default bridge has no gateway in its IPAM config, nor has an
    // IPv6 subnet whose gateway dockerd chose itself; its containers'
    // endpoints carry them.
    const needGateway = networks.some((n) => [ipv4Config(n), ipv6Config(n)].some((c) => c?.Subnet !== undefined && c.Gateway === undefined));
    const gateways = needGateway ? await this.endpointGateways() : new Map<string, EndpointGateways>();
    return networks.map((n) => networkFromDocker(n, gateways.get(n.Id) ?? {})).sort((a, b) => a.name.localeCompare(b.name));
  }

  namespacesOf(names: string[]): Promise<Array<string | null>> {
    return Promise.all(names.map(async (name) => {
      const c = await this.api.getJson<DockerContainerInspect>(`/containers/${encodeURIComponent(name)}/json`).catch(() => null);
      return c && hasOwnNetns(c) ? netnsPathOfPid(c.State.Pid) : null;
    }));
  }

  swarm(): Promise<SwarmView> {
    return readSwarm(this.api);
  }

  private async endpointGateways(): Promise<Map<string, EndpointGateways>> {
    const summaries = await this.api.getJson<DockerContainerSummary[]>('/containers/json?all=1');
    const gateways = new Map<string, EndpointGateways>();
    for (const s of summaries) {
      for (const ep of Object.values(s.NetworkSettings?.Networks ?? {})) {
        const known = gateways.get(ep.NetworkID) ?? {};
        gateways.set(ep.NetworkID, { v4: known.v4 ?? (ep.Gateway || undefined), v6: known.v6 ?? (ep.IPv6Gateway || undefined) });
      }
    }
    return gateways;
  }

  private async hostLinksIfNeeded(containers: DockerContainerInspect[]): Promise<LinkSummary[] | null> {
    if (!containers.some(hasOwnNetns)) return null;
    try {
      return await listLinks({ netns: this.hostNetns });
    } catch {
      return null; // hostIf is "when known": an unreadable host namespace leaves it null
    }
  }

  private async hostVethEnds(c: DockerContainerInspect, hostLinks: LinkSummary[] | null): Promise<Map<string, string>> {
    if (!hostLinks || !hasOwnNetns(c)) return new Map();
    try {
      return hostEndsByMac(await listLinks({ netnsPath: netnsPathOfPid(c.State.Pid) }), hostLinks);
    } catch {
      return new Map(); // the container stopped between inspect and now
    }
  }
}

const nameOf = (c: DockerContainerInspect) => c.Name.replace(/^\//, '');

function hasOwnNetns(c: DockerContainerInspect): boolean {
  return c.State.Running && c.State.Pid > 0 && c.HostConfig.NetworkMode !== 'host';
}

function netnsPathOfPid(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

export function containerFromInspect(c: DockerContainerInspect, hostIfByMac: Map<string, string>): InvContainer {
  const running = c.State.Running && c.State.Pid > 0;
  const networkMode = c.HostConfig.NetworkMode === 'default' ? 'bridge' : c.HostConfig.NetworkMode;
  const compose = composeServiceOf(c.Config?.Labels);
  return {
    backend: 'docker',
    id: c.Id,
    name: nameOf(c),
    running,
    pid: running ? c.State.Pid : null,
    netnsPath: running && networkMode !== 'host' ? netnsPathOfPid(c.State.Pid) : null,
    networkMode,
    endpoints: Object.entries(c.NetworkSettings.Networks ?? {})
      .map(([network, ep]) => endpointFromDocker(network, ep, hostIfByMac))
      .sort((a, b) => a.network.localeCompare(b.network)),
    published: publishedPorts(c.NetworkSettings.Ports, c.HostConfig.PortBindings),
    resolvConfPath: c.ResolvConfPath || null,
    dnsServers: c.HostConfig.Dns ?? [],
    status: c.State.Status ?? (running ? 'running' : 'exited'),
    command: [c.Path ?? '', ...(c.Args ?? [])].join(' ').trim(),
    ...(compose ? { compose } : {}),
  };
}

function endpointFromDocker(network: string, ep: DockerEndpointSettings, hostIfByMac: Map<string, string>): InvEndpoint {
  const mac = ep.MacAddress ? ep.MacAddress.toLowerCase() : null;
  return {
    network,
    networkId: ep.NetworkID,
    ipv4: ep.IPAddress || null,
    prefixLen: ep.IPAddress ? ep.IPPrefixLen : null,
    ipv6: ep.GlobalIPv6Address || null,
    prefixLen6: ep.GlobalIPv6Address ? (ep.GlobalIPv6PrefixLen ?? null) : null,
    mac,
    aliases: ep.Aliases ?? [],
    hostIf: mac ? (hostIfByMac.get(mac) ?? null) : null,
  };
}

/**
 * Published ports: what the running container has bound (NetworkSettings.Ports),
 * else what it asked for (HostConfig.PortBindings, for a stopped container).
 * Docker binds 0.0.0.0 and :: for one -p; the :: twin is dropped.
 */
export function publishedPorts(actual: DockerPortMap, requested: DockerPortMap): PortMapping[] {
  const source = actual && Object.values(actual).some((b) => b && b.length > 0) ? actual : requested;
  const mappings: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(source ?? {})) {
    const [portText, proto] = key.split('/');
    if (proto !== 'tcp' && proto !== 'udp') continue;
    for (const b of bindings ?? []) {
      const hostPort = Number(b.HostPort);
      if (!Number.isInteger(hostPort) || hostPort <= 0) continue; // not assigned yet
      mappings.push({ hostIp: b.HostIp || '0.0.0.0', hostPort, containerPort: Number(portText), proto });
    }
  }
  const hasIpv4Twin = (m: PortMapping) =>
    mappings.some((o) => o.hostIp === '0.0.0.0' && o.hostPort === m.hostPort && o.proto === m.proto);
  return mappings
    .filter((m) => m.hostIp !== '::' || !hasIpv4Twin(m))
    .sort((a, b) => a.hostPort - b.hostPort || a.proto.localeCompare(b.proto) || a.hostIp.localeCompare(b.hostIp));
}

function ipv4Config(n: DockerNetwork): { Subnet?: string; Gateway?: string } | undefined {
  return (n.IPAM?.Config ?? []).find((c) => c.Subnet?.includes('.'));
}

function ipv6Config(n: DockerNetwork): { Subnet?: string; Gateway?: string } | undefined {
  return (n.IPAM?.Config ?? []).find((c) => c.Subnet?.includes(':'));
}

export function bridgeDeviceOf(n: DockerNetwork): string | null {
  if (n.Driver !== 'bridge') return null;
  const named = n.Options?.['com.docker.network.bridge.name'];
  if (named) return named;
  return n.Name === 'bridge' ? 'docker0' : `br-${n.Id.slice(0, 12)}`;
}

/** A network's MTU option as the engine keeps it (text); null when unset or not a positive integer. */
export function mtuOption(text: string | undefined): number | null {
  const mtu = Number(text);
  return Number.isInteger(mtu) && mtu > 0 ? mtu : null;
}

/** The gateways a network's endpoints carry, for networks whose IPAM config leaves one out. */
export interface EndpointGateways { v4?: string; v6?: string }

export function networkFromDocker(n: DockerNetwork, fallback: EndpointGateways): InvNetwork {
  const config = ipv4Config(n);
  const config6 = ipv6Config(n);
  return {
    backend: 'docker',
    id: n.Id,
    name: n.Name,
    driver: n.Driver,
    subnet: config?.Subnet ?? null,
    gateway: config?.Gateway ?? (config?.Subnet ? fallback.v4 ?? null : null),
    subnet6: config6?.Subnet ?? null,
    gateway6: config6?.Gateway ?? (config6?.Subnet ? fallback.v6 ?? null : null),
    internal: n.Internal,
    bridge: bridgeDeviceOf(n),
    mtu: mtuOption(n.Options?.['com.docker.network.driver.mtu']),
    isDefault: n.Name === 'bridge',
    ...(n.Attachable ? { attachable: true } : {}),
  };
}
