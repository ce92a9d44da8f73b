import type { ContainerRecord, HostState, NetworkRecord, PortMapping } from '../netcore/bridge/state/types.js';
import { isRunning } from '../netcore/bridge/containers.js';
import { publishedBindings } from '../netcore/bridge/ports.js';
import { hostPortText } from '../netcore/ipv6.js';
import type { BackendName, InvContainer, InvNetwork } from '../diag/inventory/types.js';

/** Shapes for output: tables and JSON that look like Docker's. No logic beyond formatting. */
export interface NetworkRow {
  /** who made it: tsdiag itself (native) or a Docker engine */
  backend: BackendName;
  id: string;
  name: string;
  driver: string;
  scope: 'local' | 'swarm';
  subnet: string | null;
  gateway: string | null;
  device: string | null;
  internal: boolean;
  containers: number;
}

const BUILTIN_IDS: Record<string, string> = { host: 'host', none: 'null' };

export function listNetworkRows(state: HostState): NetworkRow[] {
  const rows: NetworkRow[] = Object.values(state.networks).map((n) => ({
    backend: 'native', id: n.id, name: n.name, driver: n.driver, scope: 'local', subnet: n.subnet, gateway: n.gateway, device: n.device,
    internal: n.internal, containers: Object.values(state.containers).filter((c) => c.endpoints.some((e) => e.network === n.name)).length,
  }));
  for (const [name, driver] of Object.entries(BUILTIN_IDS)) {
    rows.push({
      backend: 'native', id: name.padEnd(64, '0'), name, driver, scope: 'local', subnet: null, gateway: null, device: null, internal: false,
      containers: Object.values(state.containers).filter((c) => c.networkMode === name).length,
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** A network of another backend (Docker's), as a row of the same list. */
export function inventoryNetworkRow(n: InvNetwork, containers: InvContainer[]): NetworkRow {
  return {
    backend: n.backend, id: n.id, name: n.name, driver: n.driver, scope: n.driver === 'overlay' ? 'swarm' : 'local',
    subnet: n.subnet, gateway: n.gateway, device: n.bridge, internal: n.internal,
    containers: containers.filter((c) => c.endpoints.some((e) => e.networkId === n.id) || c.networkMode === n.name).length,
  };
}

export function inspectNetworkJson(state: HostState, n: NetworkRecord) {
  const containers: Record<string, unknown> = {};
  for (const c of Object.values(state.containers)) {
    const ep = c.endpoints.find((e) => e.network === n.name);
    if (!ep) continue;
    containers[c.id] = {
      Name: c.name, EndpointID: ep.hostIf ?? '', MacAddress: ep.mac,
      IPv4Address: ep.ipv4 ? `${ep.ipv4}/${ep.prefixLen}` : '', IPv6Address: ep.ipv6 ? `${ep.ipv6}/${ep.prefixLen6}` : '', Aliases: ep.aliases,
    };
  }
  const config = [
    ...(n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] : []),
    ...(n.subnet6 ? [{ Subnet: n.subnet6, Gateway: n.gateway6 }] : []),
  ];
  return {
    Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver,
    EnableIPv4: n.enableIPv4 !== false, EnableIPv6: !!n.subnet6,
    IPAM: { Driver: 'default', Options: {}, Config: config },
    Internal: n.internal, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
    Containers: containers, Options: n.options, Labels: n.labels,
  };
}

export interface ContainerRow {
  /** who runs it: tsdiag itself (native) or a Docker engine */
  backend: BackendName;
  id: string;
  name: string;
  /** running, created, exited; Docker's own words (paused, restarting, ...) for its containers */
  status: string;
  pid: number | null;
  networks: string[];
  addresses: string[];
  ports: string[];
  netns: string | null;
  command: string;
  /** its compose project, service and container number, when Compose made it */
  compose?: { project: string; service: string; number: number | null };
}

/** As `docker ps` prints a binding: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp. */
export function formatPort(p: PortMapping): string {
  return `${hostPortText(p.hostIp, p.hostPort)}->${p.containerPort}/${p.proto}`;
}

export function containerRow(c: ContainerRecord): ContainerRow {
  const running = isRunning(c);
  return {
    backend: 'native', id: c.id, name: c.name, status: running ? 'running' : c.pid ? 'exited' : 'created', pid: running ? c.pid : null,
    networks: c.networkMode === 'bridge' ? c.endpoints.map((e) => e.network) : [c.networkMode],
    addresses: c.endpoints.flatMap((e) => [e.ipv4, e.ipv6 ?? ''].filter(Boolean)), ports: publishedBindings(c).map((b) => formatPort({ ...b, hostIp: b.bindIp })), netns: c.netns, command: c.cmd.join(' '),
  };
}

/** A container of another backend (Docker's), as a row of the same list; netns is its namespace file. */
export function inventoryContainerRow(c: InvContainer): ContainerRow {
  return {
    backend: c.backend, id: c.id, name: c.name, status: c.status ?? (c.running ? 'running' : 'exited'), pid: c.pid,
    networks: c.endpoints.length ? c.endpoints.map((e) => e.network) : [c.networkMode],
    addresses: c.endpoints.flatMap((e) => (e.ipv4 ? [e.ipv4] : [])), ports: c.published.map(formatPort), netns: c.netnsPath, command: c.command ?? '',
    ...(c.compose ? { compose: { project: c.compose.project, service: c.compose.service, number: c.compose.number } } : {}),
  };
}

export function inspectContainerJson(state: HostState, c: ContainerRecord) {
  const running = isRunning(c);
  const networks: Record<string, unknown> = {};
  for (const e of c.endpoints) {
    const n = state.networks[e.network];
    networks[e.network] = {
      Aliases: e.aliases, NetworkID: e.networkId, EndpointID: e.hostIf ?? '', Gateway: n?.gateway ?? '',
      IPAddress: e.ipv4, IPPrefixLen: e.prefixLen, IPv6Gateway: n?.gateway6 ?? '',
      GlobalIPv6Address: e.ipv6 ?? '', GlobalIPv6PrefixLen: e.prefixLen6 ?? 0,
      MacAddress: e.mac, Interface: e.ifname, HostInterface: e.hostIf,
    };
  }
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of publishedBindings(c)) (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.bindIp, HostPort: String(p.hostPort) });
  return {
    Id: c.id, Name: `/${c.name}`, Created: c.created, Path: c.cmd[0] ?? '', Args: c.cmd.slice(1),
    State: { Status: running ? 'running' : c.pid ? 'exited' : 'created', Running: running, Pid: running ? c.pid : 0 },
    HostConfig: { NetworkMode: c.networkMode === 'bridge' ? (c.endpoints[0]?.network ?? 'bridge') : c.networkMode, Dns: c.dns },
    NetworkSettings: {
      SandboxKey: c.netns ? `/run/netns/${c.netns}` : '', Ports: ports, Networks: networks,
    },
    ResolvConfPath: c.netns ? `/etc/netns/${c.netns}/resolv.conf` : '/etc/resolv.conf',
  };
}
