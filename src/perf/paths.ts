import { familyOfAddress, type Family } from '../diag/families.js';
import type { PortMapping } from '../netcore/bridge/state/types.js';
import { portFamilies } from '../netcore/bridge/ports.js';
import type { HostSocket } from '../netcore/kernel/inspect.js';
import { pathIdIn } from './per-family.js';
import { hostPortText } from '../netcore/ipv6.js';
import type { PathVia } from './types.js';

/** A path to measure: where FROM sends, what carries it, and which tests its traffic can take. */
export interface PlannedPath {
  id: string;
  via: PathVia;
  family: Family;
  address: string;
  /** the port the TCP connect RTT probes */
  rttPort: number;
  /** tsdiag's receiver answers here: throughput and UDP tests run (else RTT only) */
  dataPort: number | null;
  /** ICMP and UDP reach TO itself on this path (not on a TCP port published through DNAT or a proxy) */
  icmpAndUdp: boolean;
  /** UDP alone reaches TO on this path (a published UDP port): UDP echo RTT and UDP at a rate, no TCP */
  udpOnly?: boolean;
  detail: string;
  proxyPid?: number | null;
  notes: string[];
}

export interface PathInputs {
  /** the family every address below is in; the published mappings are those that answer in it */
  family: Family;
  /** TO's address FROM sends to directly (its address on the shared network, or the host's for host networking) */
  direct: string;
  /** which end uses the host's network (false: neither): the path ends in the host's own stack, not at a veth */
  hostNetworking: false | 'from' | 'to' | 'both';
  recvPort: number;
  /** --port: TO's own service, probed by TCP connect */
  servicePort: number | null;
  published: PortMapping[];
  /** the address of the host as FROM sees it in this family (its network's gateway or IPv6 gateway) */
  hostAddress: string | null;
  /** TCP and UDP sockets listening in the host namespace, with their owners */
  hostListeners: HostSocket[];
  /** the container port of TO's published UDP port that tsdiag's receiver holds (null: none, or held by TO's own service) */
  udpPort?: number | null;
  /** the shared network is an overlay to TO on another swarm node (its name and the node, for the path's words) */
  overlay?: string;
}

const HOST_DETAIL = {
  none: 'container to container over the bridge',
  from: "FROM on the host's network: the host's stack, the bridge, TO's veth",
  to: "TO on the host's network: FROM's veth, the bridge, the host's stack",
  both: "both on the host's network: loopback, no veth, no bridge",
} as const;

/**
 * The paths a run compares: TO directly (over the bridge, or the host's stack
 * for host networking), and TO's published TCP port through the host (DNAT in
 * the kernel, or docker-proxy when that holds the port). The published path
 * carries the throughput tests only when tsdiag's receiver could take its
 * container port; else it is probed by TCP connect alone.
 */
export function planPaths(i: PathInputs): PlannedPath[] {
  const direct: PlannedPath = {
    id: pathIdIn(i.hostNetworking ? 'host' : i.overlay ? 'overlay' : 'bridge', i.family),
    family: i.family,
    via: i.hostNetworking ? 'host' : i.overlay ? 'overlay' : 'bridge',
    address: i.direct,
    rttPort: i.servicePort ?? i.recvPort,
    dataPort: i.recvPort,
    icmpAndUdp: true,
    detail: i.overlay && !i.hostNetworking ? `container to container over overlay ${i.overlay}` : HOST_DETAIL[i.hostNetworking || 'none'],
    notes: [],
  };
  if (i.hostNetworking) return [direct];
  const inFamily = { ...i, published: publishedIn(i.published, i.family) };
  return [direct, ...publishedTcp(inFamily), ...publishedUdp(inFamily)];
}

/**
 * The mappings that answer in a family: a bare 0.0.0.0 stands for both
 * (tsdiag DNATs it in iptables and ip6tables; the inventories fold Docker's
 * `::` twin of a 0.0.0.0 binding into it), `-p 0.0.0.0:…` for IPv4 alone, a
 * given host address for its own (netcore's portFamilies).
 */
export function publishedIn(published: PortMapping[], f: Family): PortMapping[] {
  return published.filter((m) => portFamilies(m).includes(f));
}


const hostSide = (m: PortMapping, i: PathInputs) => (m.hostIp && m.hostIp !== '0.0.0.0' && m.hostIp !== '::' ? m.hostIp : i.hostAddress);
/** ss prints an IPv6 listener's address in brackets ([::]), a socket that takes both families as * */
const listensIn = (s: HostSocket, f: Family) => s.addr === '*' || s.addr.includes(':') === (f === 6);
const proxyOf = (m: PortMapping, i: PathInputs) =>
  i.hostListeners.find((s) => s.proto === m.proto && s.port === m.hostPort && s.process === 'docker-proxy' && listensIn(s, i.family));

function publishedTcp(i: PathInputs): PlannedPath[] {
  const tcp = i.published.filter((m) => m.proto === 'tcp');
  const mapping = tcp.find((m) => m.containerPort === i.recvPort) ?? tcp.find((m) => m.containerPort === i.servicePort) ?? tcp[0];
  const through = mapping ? throughMapping(mapping, i) : null;
  if (!mapping || !through) return [];
  const carriesData = mapping.containerPort === i.recvPort;
  return [{
    id: pathIdIn('published', i.family),
    ...through,
    dataPort: carriesData ? mapping.hostPort : null,
    notes: carriesData ? [] : [`throughput not measured: container port ${mapping.containerPort} is held by TO's own service (tsdiag's receiver needs a free published port)`],
  }];
}

/** TO's published UDP port (-p 5353:5353/udp), when tsdiag's receiver holds its container side: UDP echo RTT and UDP at a rate through it. */
function publishedUdp(i: PathInputs): PlannedPath[] {
  const mapping = i.published.find((m) => m.proto === 'udp' && m.containerPort === i.udpPort);
  const through = mapping ? throughMapping(mapping, i) : null;
  if (!mapping || !through) return [];
  return [{ id: pathIdIn('published-udp', i.family), ...through, dataPort: mapping.hostPort, udpOnly: true, notes: [] }];
}

/** What a published path takes from its mapping: the host side, what carries it (docker-proxy, else DNAT), its text. */
function throughMapping(m: PortMapping, i: PathInputs) {
  const address = hostSide(m, i);
  if (!address) return null;
  const proxy = proxyOf(m, i);
  return {
    family: i.family, via: proxy ? 'docker-proxy' as const : 'dnat' as const, address, rttPort: m.hostPort, icmpAndUdp: false,
    detail: `${hostPortText(address, m.hostPort)} -> ${m.containerPort}/${m.proto} ${proxy ? `through docker-proxy (pid ${proxy.pid ?? '?'})` : 'through DNAT'}`,
    proxyPid: proxy?.pid ?? null,
  };
}

/** Node to node on the swarm's underlay, between the two host namespaces: the same wire without VXLAN, what the overlay's cost is read against. */
export function underlayPath(node: string, port: number): PlannedPath {
  return {
    id: 'underlay', via: 'underlay', family: familyOfAddress(node), address: node, rttPort: port, dataPort: port, icmpAndUdp: true,
    detail: 'node to node on the underlay, no encapsulation (the reference for the overlay)', notes: [],
  };
}
