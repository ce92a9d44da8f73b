import { OperationError, UsageError } from '../netcore/errors.js';
import type { PortMapping } from '../netcore/bridge/state/types.js';
import type { HostRef } from '../netcore/host.js';
import { netnsPathOf } from '../netcore/kernel/exec.js';
import { listeningSockets, readSysctl } from '../netcore/kernel/inspect.js';
import { withSignalCleanup } from '../netcore/kernel/signal-cleanup.js';
import { pickInventory, type BackendChoice } from '../diag/inventory/select.js';
import { addressIn, FAMILIES, sharedFamilies, type Family } from '../diag/families.js';
import type { InvContainer, InvEndpoint, InvNetwork } from '../diag/inventory/types.js';
import { NamespaceProber } from '../diag/probe/prober.js';
import { loadTarget } from '../diag/target.js';
import { judge, offloadSuspects } from './findings.js';
import { Generator } from './generator/client.js';
import { readHops, type PathEnd } from './hops.js';
import { planPaths, underlayPath } from './paths.js';
import { familyRatios, pickFamilies, type FamilyChoice } from './per-family.js';
import { peerContainer, underlayHop, type PeerNode } from './swarm.js';
import { vxlanCost } from './findings.js';
import { measurePath, reverseTcp, type MeasureContext, type MeasureOptions } from './measure.js';
import type { Hop, HostFigures, PerfFacts, PerfReport, PerfSample } from './types.js';
import { routeGet } from '../netcore/kernel/routes.js';
import { formatIpv6, parseCidr6 } from '../netcore/ipv6.js';

export interface PerfRequest {
  backend: BackendChoice;
  host: HostRef;
  env: NodeJS.ProcessEnv;
  fromName: string;
  toName: string;
  /** TO's own service port, probed by TCP connect (it must listen) */
  port?: number | null;
  /** seconds per throughput test */
  seconds?: number;
  /** streams of the parallel TCP test */
  parallel?: number;
  /** probes per RTT figure */
  count?: number;
  udpRateBps?: number;
  /** the families measured (default: every one the pair shares; asking for one it does not share is bad input) */
  family?: FamilyChoice;
  /** each sample as it is measured (a live view) */
  onSample?: (s: PerfSample) => void;
  /** a line per step, for a progress display */
  onProgress?: (line: string) => void;
  /** TO's swarm node when it is not this engine's: its engine and host namespace (the generator is started there) */
  peer?: PeerNode;
  /** stops the run (a live view's Esc): the generators are stopped at once and runPerf rejects with "perf run stopped" */
  signal?: AbortSignal;
}

export const PERF_DEFAULTS = { seconds: 2, parallel: 4, count: 50, udpRateBps: 100e6 };

/**
 * One perf run: the two containers found as the doctor finds them, the hops
 * of the path read, tsdiag's traffic generator started in both namespaces
 * (a receiver in TO's, a sender in FROM's), every path measured in turn, the
 * generators stopped (also on error and SIGINT), the findings judged.
 */
export async function runPerf(o: PerfRequest): Promise<PerfReport> {
  const t0 = performance.now();
  const opts: MeasureOptions = {
    seconds: o.seconds ?? PERF_DEFAULTS.seconds, parallel: o.parallel ?? PERF_DEFAULTS.parallel,
    count: o.count ?? PERF_DEFAULTS.count, udpRateBps: o.udpRateBps ?? PERF_DEFAULTS.udpRateBps,
    onSample: o.onSample ?? (() => undefined), onProgress: o.onProgress ?? (() => undefined),
  };
  const stopped = () => { if (o.signal?.aborted) throw new OperationError('perf run stopped'); };
  const inventory = await pickInventory(o.backend, o.host, o.env, [o.fromName, o.toName]);
  const target = await loadTarget({ inventory, fromName: o.fromName, toName: o.toName, port: o.port });
  stopped();
  const from = usable(target.from, o.fromName);
  const remote = target.to?.node ? target.to : null;
  const to = remote ? await peerContainer(o.peer, remote) : usable(target.to, o.toName);
  const hostNsPath = inventory.hostNetns ? netnsPathOf(inventory.hostNetns) : null;
  const shared = from.endpoints.map((f) => ({ f, t: to.endpoints.find((e) => e.network === f.network) }))
    .find((s): s is { f: InvEndpoint; t: InvEndpoint } => !!s.t && sharedFamilies(s.f, s.t).length > 0);
  const hostNetworking = !from.netnsPath && !to.netnsPath ? 'both' : !from.netnsPath ? 'from' : !to.netnsPath ? 'to' : false;
  // with host networking at one end, the other end's bridge still carries the path: its veth and bridge are hops
  const fromEp = from.netnsPath ? shared?.f ?? (hostNetworking ? addressed(from) : null) : null;
  const toEp = to.netnsPath ? shared?.t ?? (hostNetworking ? addressed(to) : null) : null;
  const network: InvNetwork | undefined = target.networks.find((n) => n.name === (fromEp ?? toEp)?.network);
  const directs = directAddresses(hostNetworking, fromEp, toEp, network);
  if (!directs.size) throw new UsageError(`${from.name} and ${to.name} share no network with addresses (tsdiag doctor ${from.name} ${to.name} says more)`);
  const families = pickFamilies([...directs.keys()], o.family, `${from.name} and ${to.name}`);
  const fromEnd: PathEnd = { c: from, netnsPath: from.netnsPath ?? hostNsPath, ep: fromEp };
  const toEnd: PathEnd = { c: to, netnsPath: to.netnsPath ?? (remote ? netnsPathOf(o.peer!.hostNetns) : hostNsPath), ep: toEp };
  const overlay = remote && network ? { network: network.name, attachable: network.attachable ?? false, node: remote.node! } : null;
  if (o.port) await assertListening(toEnd, o.port);

  o.onProgress?.('reading the hops');
  const [hops, conntrack, hostListeners] = await Promise.all([
    readHops(fromEnd, toEnd, overlay ? null : network?.bridge ?? null, inventory.hostNetns).then((h) => overlay ? withUnderlay(h, overlay.node, inventory.hostNetns, o.peer!) : h),
    readConntrack(inventory.hostNetns),
    to.published.length ? listeningSockets(inventory.hostNetns, true) : Promise.resolve([]),
  ]);
  stopped();
  const samplesBySession = new Map<number, (atMs: number, bytes: number) => void>();
  const routeSample = (e: { session: number; atMs: number; bytes: number }) => samplesBySession.get(e.session)?.(e.atMs, e.bytes);
  const receiver = new Generator(toEnd.netnsPath, routeSample);
  // FROM's generator receives too in the reverse test
  const sender = new Generator(fromEnd.netnsPath, routeSample);
  // on a swarm, the underlay between the two nodes' host namespaces is measured too: the reference VXLAN's cost is read against
  const underlay = overlay ? [new Generator(netnsPathOf(o.peer!.hostNetns), routeSample), new Generator(hostNsPath, routeSample)] as const : null;
  const stopAll = async () => { await Promise.all([receiver.stop(), sender.stop(), ...(underlay ?? []).map((g) => g.stop())]); };
  // an abort ends both generators now: whatever the run awaits from them rejects, and withSignalCleanup's wait sees them gone
  const onAbort = () => void stopAll();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return withSignalCleanup(stopAll, async () => {
    // a published TCP port first (its path carries throughput), else a published UDP one (one socket serves both)
    const prefer = [...to.published.filter((m) => m.proto === 'tcp'), ...to.published.filter((m) => m.proto === 'udp')].map((m) => m.containerPort).filter((p) => p !== o.port);
    const { port: recvPort } = await receiver.call('listen', { prefer });
    const udpPort = await holdPublishedUdp(receiver, to.published, recvPort);
    // IPv4's paths, then IPv6's: each family's side by side in the report
    const planned = families.flatMap((family) => planPaths({
      family, direct: directs.get(family)!, hostNetworking, recvPort, servicePort: o.port ?? null, published: to.published,
      hostAddress: gatewayIn(network, family), hostListeners, udpPort,
      overlay: overlay ? `${overlay.network} (VXLAN to node ${overlay.node})` : undefined,
    }));
    const mtus = hops.map((h) => h.mtu).filter((m): m is number => m !== null);
    const ctx: MeasureContext = { sender, receiver, fromNetns: fromEnd.netnsPath, samplesBySession, pathMtu: Math.min(1500, ...mtus) };
    const paths = [];
    let softirq: HostFigures['softirq'] = null;
    for (const p of planned) {
      stopped();
      const measured = await measurePath(p, ctx, opts);
      paths.push(measured.path);
      softirq ??= measured.softirq;
    }
    if (overlay && underlay) {
      stopped();
      const { port } = await underlay[0].call('listen', { prefer: [] });
      const under = underlayPath(overlay.node, port);
      const measured = await measurePath(under, { ...ctx, receiver: underlay[0], sender: underlay[1], fromNetns: hostNsPath }, opts);
      paths.push(measured.path);
      paths[0]!.notes.push(vxlanCost(hops, paths[0]!, measured.path));
    }
    const direct0 = paths[0];
    const fromAddress = addressIn(fromEp ?? undefined, planned[0]!.family);
    if (direct0?.tcp && fromAddress && !hostNetworking && offloadSuspects(hops).length) {
      stopped();
      direct0.tcpReverse = await reverseTcp(planned[0]!, fromAddress, ctx, opts);
    }
    const facts: PerfFacts = {
      from: from.name, to: to.name, backend: inventory.backend, hostNetns: inventory.hostNetns,
      pids: { [from.name]: from.pid, [to.name]: to.pid }, paths, hops, ...(overlay ? { overlay: { network: overlay.network, attachable: overlay.attachable } } : {}),
      host: { cpus: (await import('../netcore/kernel/cpu-stat.js')).cpuCount(), conntrack, softirq },
    };
    return {
      ...facts, seconds: opts.seconds, parallel: opts.parallel, families, ipv6OfIpv4: familyRatios(paths),
      findings: judge(facts), ms: Math.round(performance.now() - t0),
    };
  }).catch((err: unknown) => {
    stopped();
    throw err;
  }).finally(() => o.signal?.removeEventListener('abort', onAbort));
}

const addressed = (c: InvContainer) => c.endpoints.find((e) => e.ipv4 || e.ipv6) ?? null;

/**
 * The network's gateway in a family: the host as its containers see it.
 * Docker records no IPv6 gateway it chose itself (IPAM.Config has the subnet
 * alone): libnetwork puts it at the subnet's ::1.
 */
function gatewayIn(network: InvNetwork | undefined, f: Family): string | null {
  if (f === 4) return network?.gateway ?? null;
  return network?.gateway6 ?? (network?.subnet6 ? formatIpv6(parseCidr6(network.subnet6).base + 1n) : null);
}

/**
 * Where FROM sends in each family it can use toward TO, IPv4 first: TO's
 * address on the shared network; the network's gateway (of that family)
 * when TO uses the host's network, FROM having an address in it; loopback
 * when both do.
 */
function directAddresses(hostNetworking: false | 'from' | 'to' | 'both', fromEp: InvEndpoint | null, toEp: InvEndpoint | null, network: InvNetwork | undefined): Map<Family, string> {
  const loopback: Record<Family, string> = { 4: '127.0.0.1', 6: '::1' };
  const out = new Map<Family, string>();
  for (const f of FAMILIES) {
    const gateway = gatewayIn(network, f);
    const address = hostNetworking === 'both' ? loopback[f]
      : hostNetworking === 'to' ? (addressIn(fromEp ?? undefined, f) ? gateway : null)
        : hostNetworking === 'from' ? addressIn(toEp ?? undefined, f)
          : addressIn(fromEp ?? undefined, f) ? addressIn(toEp ?? undefined, f) : null;
    if (address) out.set(f, address);
  }
  return out;
}

function usable(c: InvContainer | null, name: string): InvContainer {
  if (!c) throw new UsageError(`no container named ${name}`);
  if (!c.running) throw new UsageError(`${name} is not running`);
  if (c.node) throw new UsageError(`${name} runs on swarm node ${c.node}: run tsdiag perf there, with it as TO`);
  return c;
}

/** The two nodes' underlay links between FROM's hops and TO's: what the VXLAN packets cross. */
async function withUnderlay(hops: Hop[], node: string, hostNetns: string | null, peer: PeerNode): Promise<Hop[]> {
  const out = await underlayHop('host', hostNetns, node, 'from-underlay');
  const self = (await routeGet(node, { netns: hostNetns }).catch(() => null))?.src ?? null;
  const back = self ? await underlayHop(`node ${node}`, peer.hostNetns, self, 'to-underlay') : null;
  const at = hops.findIndex((h) => h.role.startsWith('to-'));
  const mid = [out, back].filter((h): h is Hop => h !== null);
  return at < 0 ? [...hops, ...mid] : [...hops.slice(0, at), ...mid, ...hops.slice(at)];
}

/** The container side of TO's first published UDP port, held by tsdiag's receiver (null: none, or TO's own service has it). */
async function holdPublishedUdp(receiver: Generator, published: PortMapping[], recvPort: number): Promise<number | null> {
  const udp = published.find((m) => m.proto === 'udp');
  if (!udp) return null;
  if (udp.containerPort === recvPort) return recvPort;
  return receiver.call('listenUdp', { port: udp.containerPort }).then((r) => r.port, () => null);
}

/** --port names TO's service: something must listen there, or the run would measure nothing. */
async function assertListening(to: PathEnd, port: number): Promise<void> {
  const prober = new NamespaceProber(to.netnsPath);
  try {
    const socks = await prober.call('listening', {});
    if (!socks.some((s) => s.proto.startsWith('tcp') && s.port === port)) throw new UsageError(`nothing listens on ${to.c.name}:${port}/tcp`);
  } finally {
    prober.close();
  }
}

async function readConntrack(hostNetns: string | null): Promise<HostFigures['conntrack']> {
  const [count, max] = await Promise.all([
    readSysctl(hostNetns, 'net.netfilter.nf_conntrack_count'), readSysctl(hostNetns, 'net.netfilter.nf_conntrack_max'),
  ]);
  return count !== null && max !== null ? { count: Number(count), max: Number(max) } : null;
}
