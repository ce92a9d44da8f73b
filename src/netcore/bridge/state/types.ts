/**
 * The state store's shape: one JSON file per host (`<stateDir>/<hostKey>/state.json`),
 * written atomically (temp file, fsync, rename). Readers such as the DNS server may
 * read it at any time without a lock and follow it by watching the directory.
 */

export type Driver = 'bridge' | 'macvlan' | 'host' | 'null';

export interface NetworkRecord {
  id: string; // 64 hex
  name: string;
  driver: Driver;
  /** true for the default `bridge` network on docker0: no embedded DNS */
  isDefault: boolean;
  subnet: string | null; // "172.18.0.0/16"
  gateway: string | null; // "172.18.0.1"
  ipRange: string | null;
  /** dual-stack (`--ipv6`): the IPv6 subnet and gateway (absent in older state files, null without IPv6) */
  subnet6?: string | null; // "fd5c:1a2b:3c4d::/64"
  gateway6?: string | null; // "fd5c:1a2b:3c4d::1"
  /** false for an IPv6-only network (`--ipv4=false`): subnet and gateway are null then */
  enableIPv4?: boolean;
  internal: boolean;
  mtu: number;
  /** bridge device for driver bridge; the parent interface for macvlan */
  device: string | null;
  options: Record<string, string>;
  labels: Record<string, string>;
  created: string; // ISO time
  /** the address handed out last: allocation goes on after it (absent in older state files) */
  lastAllocated?: string | null;
  /** the same for the IPv6 subnet */
  lastAllocated6?: string | null;
}

export interface EndpointRecord {
  network: string; // network name
  networkId: string;
  ifname: string; // eth0, eth1, ... inside the container
  hostIf: string | null; // host end of the veth (null for macvlan)
  ipv4: string; // "172.18.0.2"
  prefixLen: number;
  ipv6: string | null; // "fd5c:1a2b:3c4d::2" on a dual-stack network
  prefixLen6?: number | null;
  mac: string;
  aliases: string[]; // network-scoped aliases (--network-alias)
}

export interface PortMapping {
  hostIp: string; // "0.0.0.0" for all (both families unless `family` says 4), "::" all IPv6, or one address of either family
  /** 4: given as `-p 0.0.0.0:…`, IPv4 only (absent: as hostIp says; bridge/ports.ts portFamilies) */
  family?: 4;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

export interface ContainerRecord {
  id: string; // 64 hex
  name: string;
  /** named network namespace (under /run/netns); null for --network host */
  netns: string | null;
  networkMode: 'bridge' | 'host' | 'none';
  endpoints: EndpointRecord[];
  ports: PortMapping[];
  /** explicit upstream servers from --dns, dialled from inside the container */
  dns: string[];
  cmd: string[];
  pid: number | null;
  created: string;
}

export interface SandboxRecord {
  /** the namespace outside the uplink, playing "the internet" */
  outsideNetns: string;
  uplinkSubnet: string; // "198.18.7.0/24"
  hostAddress: string; // sandbox host end of the uplink
  outsideAddress: string; // outside end, the sandbox host's default gateway
  /** the uplink's IPv6 pair (absent in sandboxes made before IPv6) */
  uplinkSubnet6?: string; // "2001:2::/64"
  hostAddress6?: string;
  outsideAddress6?: string;
}

export interface HostState {
  version: 1;
  networks: Record<string, NetworkRecord>; // by name
  containers: Record<string, ContainerRecord>; // by name
  sandbox: SandboxRecord | null;
}

export function emptyState(): HostState {
  return { version: 1, networks: {}, containers: {}, sandbox: null };
}
