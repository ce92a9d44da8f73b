import type { HostSocket } from '../../host-reader.js';
import type { PortMapping } from '../../../netcore/bridge/state/types.js';
import { portFamilies, publishSpec, type PortFamily } from '../../../netcore/bridge/ports.js';
import { fail, pass, type Check } from '../../check.js';
import { cli, isEngine, type FixTarget } from '../../fixes.js';

export interface Publication extends PortMapping {
  container: string;
  running: boolean;
  network: string | null;
}

export interface PortsFacts extends FixTarget {
  published: Publication[];
  /** the host's listening sockets with their owners */
  sockets: HostSocket[];
  /** pids of containers on the host network: their sockets are theirs, named as such */
  hostNetworkPids: Array<{ container: string; pid: number }>;
  /** the doctor's two containers: when one is stopped, its requested ports may be why it cannot start */
  pair?: string[];
}

/** Processes that hold a published port on the engine's behalf: their socket is the publication itself (conmon: rootful Podman's reservation). */
const PUBLISHERS = new Set(['docker-proxy', 'rootlesskit', 'slirp4netns', 'conmon']);
const WILDCARDS = new Set(['0.0.0.0', '::', '*', '']);
const unmapped = (a: string) => a.replace(/^::ffff:/, '');

/** Can a bind to one address and a bind to the other, on the same port, coexist? No if either is a wildcard or both are the same. */
export function addressesOverlap(a: string, b: string): boolean {
  return WILDCARDS.has(a) || WILDCARDS.has(b) || unmapped(a) === unmapped(b);
}

/** The families a listening socket's address takes: `::`/`*` both (IPV6_V6ONLY off, Linux's default), 0.0.0.0 IPv4's. */
function socketFamilies(addr: string): PortFamily[] {
  if (addr === '::' || addr === '*' || addr === '') return [4, 6];
  return addr.includes(':') && !addr.startsWith('::ffff:') ? [6] : [4];
}

const shareFamily = (a: PortFamily[], b: PortFamily[]) => a.some((f) => b.includes(f));

/** Does a publication take what a socket on addr, or another publication, takes (-p 0.0.0.0:… is IPv4's alone)? */
const pubMeetsSocket = (pub: PortMapping, addr: string) => shareFamily(portFamilies(pub), socketFamilies(addr)) && addressesOverlap(addr, pub.hostIp);
const pubsMeet = (a: PortMapping, b: PortMapping) => shareFamily(portFamilies(a), portFamilies(b)) && addressesOverlap(a.hostIp, b.hostIp);

const describePub = (p: Publication) => `${p.container} ${p.running ? 'publishes' : 'asks to publish'} ${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.proto}`;

interface Conflict { pub: Publication; holder: string; pid: number | null }

function conflictsOf(f: PortsFacts): Conflict[] {
  const out: Conflict[] = [];
  const live = f.published.filter((p) => p.running);
  // an engine refuses to start a container whose host port is taken ("port is already allocated")
  const cannotStart = f.published.filter((p) => !p.running && f.pair?.includes(p.container));
  for (const pub of [...live, ...cannotStart]) {
    for (const s of f.sockets) {
      if (s.proto !== pub.proto || s.port !== pub.hostPort || !pubMeetsSocket(pub, s.addr)) continue;
      if (s.process && PUBLISHERS.has(s.process)) continue;
      const hostNet = f.hostNetworkPids.find((h) => h.pid === s.pid);
      const owner = hostNet ? `container ${hostNet.container} (host network, pid ${s.pid})` : `${s.process ?? 'an unknown process'}${s.pid ? ` (pid ${s.pid})` : ''}`;
      out.push({ pub, holder: `${owner} listens on ${s.proto} ${s.addr}:${s.port}`, pid: hostNet ? null : s.pid });
    }
    for (const other of live) {
      if (other === pub || (pub.running && other.container >= pub.container)) continue;
      if (other.proto === pub.proto && other.hostPort === pub.hostPort && pubsMeet(other, pub)) {
        out.push({ pub, holder: `container ${other.container} publishes the same port (${other.hostIp}:${other.hostPort}/${other.proto})`, pid: null });
      }
    }
  }
  return out;
}

/** The other way out: publish the container on the next host port. */
function republish(f: PortsFacts, pub: Publication): string {
  const hostPort = pub.hostPort < 65535 ? pub.hostPort + 1 : pub.hostPort - 1;
  const spec = publishSpec({ ...pub, hostPort });
  return `${cli(f, `rm -f ${pub.container}`)} && ${cli(f, `run -d --name ${pub.container}${pub.network ? ` --network ${pub.network}` : ''} -p ${spec} ${isEngine(f.backend) ? 'IMAGE' : '-- CMD'}`)}`;
}

export const portsConflict: Check<PortsFacts> = {
  id: 'ports.conflict',
  title: 'published host ports are not taken by something else',
  async gather(ctx) {
    const published = ctx.target.containers.flatMap((c) => c.published.map((p) => ({ ...p, container: c.name, running: c.running, network: c.endpoints[0]?.network ?? null })));
    const hostNetworkPids = ctx.target.containers.filter((c) => c.networkMode === 'host' && c.pid).map((c) => ({ container: c.name, pid: c.pid! }));
    const pair = [ctx.target.from, ctx.target.to].flatMap((c) => (c ? [c.name] : []));
    // who holds a socket matters only on a published port (docker-proxy is the publication itself)
    const bare = await ctx.host.listening(false);
    const onPublished = bare.some((s) => published.some((p) => p.proto === s.proto && p.hostPort === s.port));
    const sockets = onPublished ? await ctx.host.listening(true) : bare;
    return { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, published, sockets, hostNetworkPids, pair };
  },
  judge(f) {
    const conflicts = conflictsOf(f);
    if (!conflicts.length) {
      const live = f.published.filter((p) => p.running);
      return pass(live.length ? `no host socket or other container takes the ${live.length} published port(s)` : 'no container publishes a port',
        [...live.map((p) => `${describePub(p)}: nothing else listens there`), `${f.sockets.length} listening socket(s) on the host`]);
    }
    const first = conflicts[0]!;
    const evidence = conflicts.flatMap((c) => [describePub(c.pub), `  but ${c.holder}`]);
    if (first.pid) evidence.push(`or publish ${first.pub.container} on another host port: ${republish(f, first.pub)}`);
    const { container, running } = first.pub;
    const what = running ? `that ${container} publishes` : `that ${container} asks to publish (so it cannot start)`;
    const freePort = first.pid ? `kill ${first.pid}` : null;
    const fix = freePort && !running ? `${freePort} && ${cli(f, `start ${container}`)}` : (freePort ?? republish(f, first.pub));
    return fail(`host port ${first.pub.hostPort}/${first.pub.proto} ${what} is taken: ${first.holder}`, evidence, fix);
  },
};
