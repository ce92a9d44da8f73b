import { config } from '../../../config.js';
import { OperationError } from '../../errors.js';
import { NOT_ENTERED } from '../exec.js';
import { nativeAddon } from '../native.js';
import { trace, tracing } from '../trace.js';
import { addressText, ipv4Text, ipv6Text, linkAddressText, nudStateNames, operstateName, protocolName } from './names.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, BODY_LEN, RTM, attributes, cString, dumpRequest, messages, routeGetRequest, u32, u8, type Message,
} from './wire.js';

/**
 * A namespace's links, IPv4 addresses and routes, neighbours and route
 * lookups read over routing netlink with the addon's rtnl(), in the words and
 * with the filters of `ip -j` (each reader names the command it stands for).
 * rtnlAvailable() is false without the addon or with TSDIAG_NATIVE=-netlink;
 * the readers of netcore/kernel (links.ts, addresses.ts, routes.ts,
 * neighbours.ts) then run `ip -j` instead: nothing else calls these.
 */

export function rtnlAvailable(): boolean {
  return config().native.netlink && typeof nativeAddon()?.rtnl === 'function';
}

/** One exchange in the namespace at nsPath (null: this process's); a namespace that cannot be entered throws as a probe there does. */
function exchange(nsPath: string | null, request: Buffer, what: string): Buffer {
  const t0 = tracing ? performance.now() : 0;
  try {
    return nativeAddon()!.rtnl(nsPath, request);
  } catch (err) {
    const e = err as Error & { code?: string; syscall?: string };
    if (e.syscall === 'open' || e.syscall === 'setns') throw new OperationError(`${NOT_ENTERED} ${nsPath}: ${e.code}`, { cause: err });
    throw err;
  } finally {
    if (tracing) trace(`netlink ${what} (${(performance.now() - t0).toFixed(2)} ms)`);
  }
}

const dump = (nsPath: string | null, type: number, bodyLen: number, family: number, what: string): Message[] =>
  [...messages(exchange(nsPath, dumpRequest(type, bodyLen, family), what))].filter((m) => m.body.length >= bodyLen);

export interface RtLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  operstate: string;
  /** IFLA_INFO_KIND: veth, bridge, vxlan, ... (null for a plain device) */
  kind: string | null;
  /** the hardware address, lowercase (null: the device has none) */
  address: string | null;
  /** the bridge (or bond) this link is a port of */
  master: string | null;
  /** the ifindex of the link's peer in another namespace (a veth's other end): `link_index` of `ip -j`, which names a peer in the same namespace instead */
  linkIndex: number | null;
  /** a VXLAN link's own data (IFLA_INFO_DATA), null for other kinds */
  vxlan: RtVxlan | null;
  /** IFF_UP: set up by an administrator */
  up: boolean;
  /** IFF_LOWER_UP: the link has carrier (a veth: its peer is up) */
  carrier: boolean;
  /** IFF_NOARP: the link neither asks nor answers ARP */
  noarp: boolean;
  /** as a port of a bridge: its STP state (disabled, listening, learning, forwarding, blocking); null when not a bridge port */
  portState: string | null;
  /** a bridge's own: whether it runs the spanning tree protocol (null: not a bridge) */
  stp: boolean | null;
}

export interface RtVxlan {
  vni: number;
  /** the peer VTEP (IPv4 unicast) of a point-to-point link; null: peers come from the forwarding database */
  remote: string | null;
  local: string | null;
  dstport: number;
}

const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINK: 5, MASTER: 10, OPERSTATE: 16, LINKINFO: 18, LINK_NETNSID: 37 } as const;
const IFLA_INFO = { KIND: 1, DATA: 2, SLAVE_KIND: 4, SLAVE_DATA: 5 } as const;
const IFLA_BRPORT_STATE = 1;
const IFLA_BR_STP_STATE = 5;
const IFF = { UP: 0x1, NOARP: 0x80, LOWER_UP: 0x10000 } as const;
/** the bridge port states, as `ip -d -j link` names them */
export const BRIDGE_PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'] as const;

function stpOf(data: Buffer | undefined): boolean {
  return (data ? u32(attributes(data).get(IFLA_BR_STP_STATE)) ?? 0 : 0) !== 0;
}

function portStateOf(info: Map<number, Buffer> | null): string | null {
  if (!info || cString(info.get(IFLA_INFO.SLAVE_KIND)) !== 'bridge') return null;
  const data = info.get(IFLA_INFO.SLAVE_DATA);
  const state = data ? u8(attributes(data).get(IFLA_BRPORT_STATE)) : null;
  return state === null ? null : (BRIDGE_PORT_STATES[state] ?? String(state));
}
const IFLA_VXLAN = { ID: 1, GROUP: 2, LOCAL: 4, PORT: 15 } as const;
const VXLAN_PORT = 4789;

/** What `ip -d -j` prints of a VXLAN's data: remote and local only when IPv4 and set, remote only when unicast. */
function vxlanOf(data: Buffer | undefined): RtVxlan {
  const a = attributes(data ?? Buffer.alloc(0));
  const v4 = (b: Buffer | undefined) => (b && b.length === 4 && b.readUInt32BE(0) !== 0 ? b : null);
  const group = v4(a.get(IFLA_VXLAN.GROUP));
  const local = v4(a.get(IFLA_VXLAN.LOCAL));
  const port = a.get(IFLA_VXLAN.PORT);
  return {
    vni: u32(a.get(IFLA_VXLAN.ID)) ?? 0,
    remote: group && (group[0]! & 0xf0) !== 0xe0 ? ipv4Text(group) : null,
    local: local ? ipv4Text(local) : null,
    dstport: port && port.length >= 2 ? port.readUInt16BE(0) : VXLAN_PORT,
  };
}

/** `ip -d -j link show` */
export function readLinks(nsPath: string | null): RtLink[] {
  const raw = dump(nsPath, RTM.GETLINK, BODY_LEN.link, AF_UNSPEC, 'links').filter((m) => m.type === RTM.NEWLINK).map((m) => {
    const a = attributes(m.body.subarray(BODY_LEN.link));
    const link = u32(a.get(IFLA.LINK));
    const info = a.get(IFLA.LINKINFO) ? attributes(a.get(IFLA.LINKINFO)!) : null;
    const kind = info ? cString(info.get(IFLA_INFO.KIND)) : null;
    const flags = m.body.readUInt32LE(8);
    return {
      ifindex: m.body.readInt32LE(4),
      ifname: cString(a.get(IFLA.IFNAME)) ?? '',
      mtu: u32(a.get(IFLA.MTU)) ?? 0,
      operstate: operstateName(u8(a.get(IFLA.OPERSTATE)) ?? 0),
      kind,
      address: a.has(IFLA.ADDRESS) ? linkAddressText(a.get(IFLA.ADDRESS)!) : null,
      masterIndex: u32(a.get(IFLA.MASTER)),
      linkIndex: link && a.has(IFLA.LINK_NETNSID) ? link : null,
      vxlan: kind === 'vxlan' ? vxlanOf(info!.get(IFLA_INFO.DATA)) : null,
      up: (flags & IFF.UP) !== 0,
      carrier: (flags & IFF.LOWER_UP) !== 0,
      noarp: (flags & IFF.NOARP) !== 0,
      portState: portStateOf(info),
      stp: kind === 'bridge' ? stpOf(info!.get(IFLA_INFO.DATA)) : null,
    };
  });
  const names = namesByIndex(raw);
  return raw.map(({ masterIndex, ...l }) => ({ ...l, master: masterIndex ? (names.get(masterIndex) ?? String(masterIndex)) : null }));
}

const namesByIndex = (links: Array<{ ifindex: number; ifname: string }>) => new Map(links.map((l) => [l.ifindex, l.ifname]));

/** ifindex -> name of the namespace's links: the device of a route or neighbour, as `ip` names it. */
const linkNamesIn = (nsPath: string | null) => namesByIndex(readLinks(nsPath));

export interface RtAddress { ifname: string; address: string; prefixLen: number }

const IFA = { ADDRESS: 1, LOCAL: 2 } as const;

/** `ip -j -4 addr show` (or `-6`), flattened: each address of the family with its link, in link order. */
export function readAddresses(nsPath: string | null, family: 4 | 6): RtAddress[] {
  const af = family === 6 ? AF_INET6 : AF_INET;
  const size = family === 6 ? 16 : 4;
  const links = readLinks(nsPath);
  const byIndex = new Map<number, RtAddress[]>();
  for (const m of dump(nsPath, RTM.GETADDR, BODY_LEN.addr, af, 'addresses')) {
    if (m.type !== RTM.NEWADDR || m.body[0] !== af) continue;
    const a = attributes(m.body.subarray(BODY_LEN.addr));
    const local = a.get(IFA.LOCAL) ?? a.get(IFA.ADDRESS);
    if (!local || local.length !== size) continue;
    const index = m.body.readUInt32LE(4);
    const list = byIndex.get(index) ?? [];
    list.push({ ifname: '', address: size === 16 ? ipv6Text(local) : ipv4Text(local), prefixLen: m.body[1]! });
    byIndex.set(index, list);
  }
  return links.flatMap((l) => (byIndex.get(l.ifindex) ?? []).map((a) => ({ ...a, ifname: l.ifname })));
}

export interface RtRoute { dst: string; dev: string | null; gateway: string | null; protocol: string | null }

const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PREFSRC: 7, METRICS: 8, TABLE: 15 } as const;
const RTAX_MTU = 2;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RTM_F_CLONED = 0x200;

/** `ip -j -4 route show table main` (or `-6`) */
export function readRoutes(nsPath: string | null, family: 4 | 6): RtRoute[] {
  const af = family === 6 ? AF_INET6 : AF_INET;
  const text = family === 6 ? ipv6Text : ipv4Text;
  const host = family === 6 ? 128 : 32;
  const names = linkNamesIn(nsPath);
  const out: RtRoute[] = [];
  for (const m of dump(nsPath, RTM.GETROUTE, BODY_LEN.route, af, 'routes')) {
    if (m.type !== RTM.NEWROUTE || m.body[0] !== af) continue;
    const a = attributes(m.body.subarray(BODY_LEN.route));
    const table = u32(a.get(RTA.TABLE)) ?? m.body[4]!;
    if (table !== RT_TABLE_MAIN || m.body.readUInt32LE(8) & RTM_F_CLONED) continue;
    const dstLen = m.body[1]!;
    const dst = a.get(RTA.DST);
    const oif = u32(a.get(RTA.OIF));
    const gateway = a.get(RTA.GATEWAY);
    const protocol = m.body[5]!;
    out.push({
      dst: dst ? (dstLen === host ? text(dst) : `${text(dst)}/${dstLen}`) : dstLen ? `${family === 6 ? '::' : '0'}/${dstLen}` : 'default',
      dev: oif ? (names.get(oif) ?? null) : null,
      gateway: gateway ? text(gateway) : null,
      // `ip` leaves out the default protocol, boot
      protocol: protocol === RTPROT_BOOT ? null : protocolName(protocol),
    });
  }
  return out;
}

export interface RtRouteGet { dev: string | null; gateway: string | null; src: string | null; mtu: number | null; error: string | null }

/** `ip -j route get ADDR` (IPv4); error: what `ip` prints when the kernel has no route. */
export function routeGet(nsPath: string | null, ipv4: string): RtRouteGet {
  const bytes = Buffer.from(ipv4.split('.').map(Number));
  let answer: Buffer;
  try {
    answer = exchange(nsPath, routeGetRequest(bytes), `route get ${ipv4}`);
  } catch (err) {
    const e = err as Error & { syscall?: string };
    if (e.syscall !== 'rtnetlink') throw err;
    // the addon's message ends with strerror's text, which `ip` prints after this prefix
    return { dev: null, gateway: null, src: null, mtu: null, error: `RTNETLINK answers: ${e.message.replace(/^rtnetlink \S+ /, '')}` };
  }
  const m = [...messages(answer)].find((x) => x.type === RTM.NEWROUTE && x.body.length >= BODY_LEN.route);
  if (!m) return { dev: null, gateway: null, src: null, mtu: null, error: 'no route in the answer' };
  const a = attributes(m.body.subarray(BODY_LEN.route));
  const oif = u32(a.get(RTA.OIF));
  const metrics = a.get(RTA.METRICS);
  return {
    dev: oif ? (linkNamesIn(nsPath).get(oif) ?? null) : null,
    gateway: a.has(RTA.GATEWAY) ? ipv4Text(a.get(RTA.GATEWAY)!) : null,
    src: a.has(RTA.PREFSRC) ? ipv4Text(a.get(RTA.PREFSRC)!) : null,
    mtu: metrics ? u32(attributes(metrics).get(RTAX_MTU)) : null,
    error: null,
  };
}

export interface RtNeighbour { dst: string; dev: string; state: string[]; lladdr: string | null }

const NDA = { DST: 1, LLADDR: 2 } as const;
const NUD_NOARP = 0x40;
const NUD_PERMANENT = 0x80;
const NTF_PROXY = 0x08;
const NTF_EXT_LEARNED = 0x10;

/** The filters of `ip neigh show` tsdiag uses: `-4`, `nud permanent`. */
export interface NeighbourFilter { ipv4Only?: boolean; permanentOnly?: boolean }

/**
 * `ip -j neigh show`: IPv4 and IPv6 entries but those in no state or NOARP, as
 * `ip` filters by default; with the filter, `ip -j [-4] neigh show [nud permanent]`.
 */
export function readNeighbours(nsPath: string | null, filter: NeighbourFilter = {}): RtNeighbour[] {
  const names = linkNamesIn(nsPath);
  const out: RtNeighbour[] = [];
  const states = filter.permanentOnly ? NUD_PERMANENT : 0xff & ~NUD_NOARP;
  for (const m of dump(nsPath, RTM.GETNEIGH, BODY_LEN.neigh, filter.ipv4Only ? AF_INET : AF_UNSPEC, 'neighbours')) {
    if (m.type !== RTM.NEWNEIGH || (filter.ipv4Only && m.body[0] !== AF_INET)) continue;
    const state = m.body.readUInt16LE(8);
    const flags = m.body[10]!;
    // as ip: proxy and externally learned entries pass any state filter
    if (!(state & states) && !(flags & (NTF_PROXY | NTF_EXT_LEARNED))) continue;
    const a = attributes(m.body.subarray(BODY_LEN.neigh));
    const dst = a.get(NDA.DST);
    if (!dst) continue;
    const lladdr = a.get(NDA.LLADDR);
    out.push({
      dst: addressText(dst),
      dev: names.get(m.body.readInt32LE(4)) ?? String(m.body.readInt32LE(4)),
      state: nudStateNames(state),
      lladdr: lladdr ? linkAddressText(lladdr) : null,
    });
  }
  return out;
}
