import type { PortMapping } from '../../netcore/bridge/state/types.js';

/**
 * One view over "what containers and networks exist", whatever made them:
 * tsdiag's own state store (backend "native"), a Docker engine ("docker") or a
 * rootful Podman ("podman").
 * Doctor, capture and the TUI see only this.
 */
export type BackendName = 'native' | 'docker' | 'podman';

export interface InvNetwork {
  backend: BackendName;
  id: string;
  name: string;
  driver: string; // bridge, macvlan, overlay, host, null
  subnet: string | null;
  gateway: string | null;
  /** the IPv6 subnet and gateway of a dual-stack or IPv6-only network (absent or null: IPv4 only) */
  subnet6?: string | null;
  gateway6?: string | null;
  internal: boolean;
  /** the bridge device on the host (docker0, br-<12 hex>), when there is one */
  bridge: string | null;
  mtu: number | null;
  /** true for Docker's default `bridge` network (no embedded DNS) */
  isDefault: boolean;
  /** containers may join it with `network connect` (Docker's --attachable, for overlays) */
  attachable?: boolean;
}

export interface InvEndpoint {
  network: string;
  networkId: string;
  ipv4: string | null;
  prefixLen: number | null;
  /** its IPv6 address (not link-local) on a network with IPv6 (absent or null: none) */
  ipv6?: string | null;
  prefixLen6?: number | null;
  mac: string | null;
  aliases: string[];
  /** host end of the container's veth, when known */
  hostIf: string | null;
}

export interface InvContainer {
  backend: BackendName;
  id: string;
  name: string;
  running: boolean;
  pid: number | null;
  /** a path nsenter --net accepts: /run/netns/<ns> or /proc/<pid>/ns/net; null for host networking */
  netnsPath: string | null;
  networkMode: string; // bridge, host, none, or a network name as Docker reports it
  endpoints: InvEndpoint[];
  published: PortMapping[];
  /** the container's resolver file as a path on the host's filesystem, when known */
  resolvConfPath: string | null;
  /** its own upstream servers (`--dns`), which its embedded resolver dials from inside it; [] or absent: the host's */
  dnsServers?: string[];
  /** the backend's own word for its state (running, created, exited, ...), for listings */
  status?: string;
  /** the command it runs, for listings */
  command?: string;
  /** the address of the swarm node it runs on, when that is another node than this engine's (no namespace here) */
  node?: string;
  /** the compose service it is a container of (Compose's com.docker.compose.* labels), when Compose made it */
  compose?: ComposeService;
}

/** What Compose's labels say of a container it made. */
export interface ComposeService {
  project: string;
  service: string;
  /** com.docker.compose.container-number: 1, 2, ... for a service's replicas (null: no such label) */
  number: number | null;
  /** made by `compose run` (com.docker.compose.oneoff=True), not one of the service's replicas */
  oneOff: boolean;
}

/** A node of the swarm the engine is in, as the engine's API reports it. */
export interface SwarmMember {
  address: string;
  /** null: unknown (a worker cannot list the nodes) */
  manager: boolean | null;
}

/** An overlay network with the containers on it anywhere in the swarm. */
export interface SwarmOverlay {
  network: string;
  /** VXLAN network ids */
  vnis: number[];
  /** addresses of the nodes that have the network */
  nodes: string[];
  endpoints: Array<{ name: string; ipv4: string; node: string }>;
}

/** What the engine knows of its swarm: null members when it is in none. */
export interface SwarmView {
  /** Swarm.LocalNodeState: inactive, pending, active, error, locked */
  state: string;
  /** this node's address in the swarm */
  self: string | null;
  dataPort: number;
  members: SwarmMember[];
  overlays: SwarmOverlay[];
}

export interface ListOptions {
  /**
   * The containers (names, ids, id prefixes, compose service names) whose
   * veths' host ends are wanted: finding them reads each one's namespace.
   * Default: every container.
   */
  vethsOf?: readonly string[];
}

export interface InventoryProvider {
  readonly backend: BackendName;
  /** the network namespace that plays the host for these containers (null: the machine's own) */
  readonly hostNetns: string | null;
  /** false when the backend cannot be reached (no Docker socket): callers skip it */
  available(): Promise<boolean>;
  listContainers(options?: ListOptions): Promise<InvContainer[]>;
  listNetworks(): Promise<InvNetwork[]>;
  /**
   * The network namespace of each named container, read without listing
   * everything (null: unknown, stopped, or host networking), so that probe
   * agents can start while the full inventory is still being read.
   */
  namespacesOf?(names: string[]): Promise<Array<string | null>>;
  /** the swarm the engine is in (backends with one: Docker) */
  swarm?(): Promise<SwarmView>;
  /**
   * Why the host's side of the containers' path cannot be probed from here, in
   * one line (rootless Podman: its bridges and firewall are in the user's
   * rootless netns); null: everything can be.
   */
  unprobed?(): Promise<string | null>;
}
