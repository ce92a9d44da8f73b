import type { ContainerFixTarget } from '../../fixes.js';

/**
 * What the path walk knows of the way between two containers on one bridge
 * network: each end's link, addresses, route and neighbour table read in its
 * own namespace, and the host's links (the veth host ends and the bridge).
 * Plain data, so a walk can be recorded and judged again in a unit test.
 */
export interface PathLink {
  ifname: string;
  ifindex: number;
  /** IFF_UP: set up by an administrator (`ip link set X up`) */
  up: boolean;
  /** IFF_LOWER_UP: the link has carrier (for a veth: its peer is up) */
  carrier: boolean;
  /** IFF_NOARP: neither asks nor answers ARP (an Ethernet link so set is unreachable by address) */
  noarp?: boolean;
  operstate: string;
  mtu: number;
  mac: string | null;
  /** the bridge it is a port of */
  master: string | null;
  kind: string | null;
  /** as a bridge port: forwarding, blocking, disabled, listening, learning (null: not a port) */
  portState: string | null;
  /** a bridge's: runs the spanning tree protocol (Docker's bridges do not); null: not a bridge */
  stp?: boolean | null;
}

export interface PathAddress { ifname: string; address: string; prefixLen: number }

export interface PathRouteEntry { dst: string; dev: string | null; gateway: string | null }

export interface PathRoute { dev: string | null; gateway: string | null; src: string | null; error: string | null }

export interface PathNeighbour { dst: string; dev: string; state: string[]; lladdr: string | null }

/** One container as the walk sees it. */
export interface PathEnd {
  name: string;
  /** its link on the shared network, as the backend knows it (eth0) */
  ifname: string;
  /** its address and MAC on that network, as the backend assigned them */
  address: string;
  prefixLen: number;
  mac: string | null;
  /** the host end of its veth, as the backend knows it (null: unknown) */
  hostIf: string | null;
  links: PathLink[];
  addresses: PathAddress[];
  /** the kernel's route lookup toward the other end's address */
  route: PathRoute;
  /** its main routing table, to name the route that sends the packet astray */
  routes: PathRouteEntry[];
  neighbours: PathNeighbour[];
  /** IPv6: its addresses duplicate address detection holds back (tentative, dadfailed); absent: none */
  dad?: PathDadState[];
}

export interface PathDadState { ifname: string; address: string; state: 'tentative' | 'dadfailed' }

/** One end's facts of one family: its address there, the addresses, routes and neighbours of that family. */
export type PathFamilyEnd = Pick<PathEnd, 'address' | 'prefixLen' | 'addresses' | 'route' | 'routes' | 'neighbours' | 'dad'>;

/** The second family of a dual-stack path (IPv6): the links are the same, the addresses and routes are not. */
export interface PathFamily {
  subnet: string | null;
  /** the network's IPv6 gateway, for the default route a fix puts back */
  gateway: string | null;
  from: PathFamilyEnd;
  to: PathFamilyEnd;
}

/**
 * Another container on the same network: the addresses the backend gave it, and what its links hold
 * (both families where the network has IPv6; an address DAD gave up is left out: it claims nothing).
 */
export interface PathHolder { name: string; assigned: string | null; assigned6?: string | null; addresses: PathAddress[]; macs: string[] }

export interface PathFacts {
  network: string;
  /** the network's subnet and gateway in the family of `from`/`to`: IPv4, or IPv6 on an IPv6-only network */
  subnet: string | null;
  gateway?: string | null;
  bridge: string;
  from: PathEnd;
  to: PathEnd;
  /** the IPv6 half of a dual-stack pair: what the walk reads per family (absent: IPv4 only) */
  v6?: PathFamily;
  /** the links of the namespace that plays the host */
  hostLinks: PathLink[];
  /** the other containers on the network, for duplicate addresses and the owner of a stale MAC */
  others: PathHolder[];
  /** how fix commands are written: the backend and the host namespace */
  fix: PathFixTarget;
}

/** how fixes are written: the backend, the host namespace, the containers' pids (an engine's are entered with nsenter) */
export type PathFixTarget = ContainerFixTarget;
