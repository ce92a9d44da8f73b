import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { applySteps, type ApplyOptions } from './executor.js';
import { hostCtx, type HostCtx } from './hostctx.js';
import { hostStateDir, type HostRef } from '../host.js';
import { allocateAddress, macForAddress } from './ipam.js';
import { isIpv4 } from '../ipv4.js';
import { hostPortText, isIpv6 } from '../ipv6.js';
import { allocateAddress6, macForAddress6 } from './ipam6.js';
import { hasIpv4, hasIpv6 } from './state/families.js';
import { newId } from './naming.js';
import { BUILTIN_NETWORKS, networkByNameOrId, prepareNetworkCreate } from './networks.js';
import { planCommit, planContainerRemove, planEndpointAdd, planEndpointRemove, planGatewayHandover, planLoopbackUp, planNamespaceCreate,
  providesDefaultRoute } from './plan.js';
import { assignHostPorts, parsePublish, portFamilies } from './ports.js';
import { isAlive } from '../kernel/processes.js';
import { startDetached as startInBackground } from '../kernel/detached.js';
import {
  extServersOf, readHostResolvConf, renderDefaultBridgeResolvConf, renderEmbeddedResolvConf,
} from './resolvconf.js';
import type { Step } from './steps.js';
import { readState, withState } from './state/store.js';
import { byNameOrIdPrefix } from './state/lookup.js';
import type { ContainerRecord, EndpointRecord, HostState, NetworkRecord, PortMapping } from './state/types.js';
import { validateName } from '../validate.js';

export interface RunContainerOptions {
  name: string;
  network?: string | null; // default: the default bridge
  ip?: string | null;
  /** fixed IPv6 address on a dual-stack or IPv6-only network (--ip6) */
  ip6?: string | null;
  aliases?: string[];
  publish?: string[];
  dns?: string[];
  cmd?: string[];
}

/** Which networks get tsdiag's embedded DNS: user-defined bridges, as in Docker. */
export function servesEmbeddedDns(net: NetworkRecord): boolean {
  return net.driver === 'bridge' && !net.isDefault;
}

export function containerByNameOrId(state: HostState, ref: string): ContainerRecord | null {
  return byNameOrIdPrefix(state.containers, ref);
}

function mustFindContainer(state: HostState, ref: string): ContainerRecord {
  const c = containerByNameOrId(state, ref);
  if (!c) throw new UsageError(`No such container: ${ref}`);
  return c;
}

function endpointsOn(state: HostState, network: string): EndpointRecord[] {
  return Object.values(state.containers).flatMap((c) => c.endpoints.filter((e) => e.network === network));
}

/** Records the endpoint's addresses as the network's last handed out (serial allocation goes on after them). */
function withLastAllocated(state: HostState, network: string, ep: EndpointRecord): HostState {
  const net = state.networks[network]!;
  const last = { ...(ep.ipv4 ? { lastAllocated: ep.ipv4 } : {}), ...(ep.ipv6 ? { lastAllocated6: ep.ipv6 } : {}) };
  if (!Object.keys(last).length) return state;
  return { ...state, networks: { ...state.networks, [network]: { ...net, ...last } } };
}

export interface EndpointAddressRequest {
  ip: string | null;
  ip6: string | null;
}

/** The endpoint's addresses of each family its network has; a fixed one checked like Docker's --ip/--ip6. */
function allocateEndpointAddresses(state: HostState, net: NetworkRecord, want: EndpointAddressRequest) {
  if (want.ip && !isIpv4(want.ip)) throw new UsageError(`invalid IPv4 address "${want.ip}"`);
  if (want.ip6 && !isIpv6(want.ip6)) throw new UsageError(`invalid IPv6 address "${want.ip6}"`);
  if (want.ip && !hasIpv4(net)) throw new UsageError(`network ${net.name} has no IPv4 subnet for --ip`);
  if (want.ip6 && !hasIpv6(net)) throw new UsageError(`network ${net.name} has no IPv6 subnet for --ip6 (create it with --ipv6)`);
  const others = endpointsOn(state, net.name);
  const ipv4 = hasIpv4(net)
    ? allocateAddress({
      subnet: net.subnet!, gateway: net.gateway!, ipRange: want.ip ? null : net.ipRange, used: others.map((e) => e.ipv4).filter(Boolean),
      requested: want.ip, last: net.lastAllocated,
    })
    : '';
  const ipv6 = hasIpv6(net)
    ? allocateAddress6({ subnet6: net.subnet6!, gateway6: net.gateway6!, used: others.flatMap((e) => (e.ipv6 ? [e.ipv6] : [])), requested: want.ip6,
      last: net.lastAllocated6 })
    : null;
  return { ipv4, ipv6 };
}

function newEndpoint(ctx: HostCtx, state: HostState, c: ContainerRecord, net: NetworkRecord, want: EndpointAddressRequest, aliases: string[]): EndpointRecord {
  const { ipv4, ipv6 } = allocateEndpointAddresses(state, net, want);
  return {
    network: net.name,
    networkId: net.id,
    ifname: `eth${c.endpoints.length}`,
    hostIf: net.driver === 'macvlan' ? `mv${newId().slice(0, 8)}` : ctx.naming.newHostIf(),
    ipv4,
    prefixLen: ipv4 ? Number(net.subnet!.split('/')[1]) : 0,
    ipv6,
    prefixLen6: ipv6 ? Number(net.subnet6!.split('/')[1]) : null,
    mac: ipv4 ? macForAddress(ipv4) : macForAddress6(ipv6!),
    aliases: aliases.map((a) => validateName('alias', a)),
  };
}

/** A mapping pinned to one family needs an address of it: `-p [::]:8080:80` on an IPv4-only network publishes nothing (no docker-proxy here). */
function assertFamilyCarried(p: PortMapping, ep: EndpointRecord, net: NetworkRecord): void {
  const families = portFamilies(p);
  if (families.some((f) => (f === 4 ? !!ep.ipv4 : !!ep.ipv6))) return;
  const hint = families[0] === 6 ? ' (create it with --ipv6)' : '';
  throw new UsageError(`cannot publish ${hostPortText(p.hostIp, p.hostPort)}->${p.containerPort}/${p.proto}: network ${net.name} has no IPv${families[0]} subnet${hint}`);
}

async function etcFiles(host: HostRef, c: ContainerRecord, first: NetworkRecord | null): Promise<Record<string, string>> {
  const hostConf = await readHostResolvConf(host);
  const resolv = first && servesEmbeddedDns(first)
    ? renderEmbeddedResolvConf((first.gateway ?? first.gateway6)!, extServersOf(c.dns, hostConf, c.endpoints.some((e) => e.ipv6)), hostConf.search)
    : renderDefaultBridgeResolvConf(hostConf, c.dns);
  const ep = c.endpoints[0];
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const addr of ep ? [ep.ipv4, ep.ipv6] : []) if (addr) hosts.push(`${addr}\t${c.id.slice(0, 12)} ${c.name}`);
  return { 'resolv.conf': resolv, hosts: hosts.join('\n') + '\n' };
}

export async function createContainer(host: HostRef, opts: RunContainerOptions, apply: Omit<ApplyOptions, 'host'> = {}): Promise<ContainerRecord> {
  const name = validateName('container', opts.name);
  for (const d of opts.dns ?? []) if (!isIpv4(d)) throw new UsageError(`invalid --dns address "${d}"`);
  const wantedPorts = (opts.publish ?? []).map(parsePublish);
  return withState(host, async (state) => {
    if (state.containers[name]) throw new UsageError(`Conflict. The container name "${name}" is already in use`);
    const ctx = hostCtx(host, state);
    const mode = opts.network === 'host' ? 'host' : opts.network === 'none' ? 'none' : 'bridge';
    const c: ContainerRecord = {
      id: newId(), name, netns: mode === 'host' ? null : ctx.naming.containerNetns(name), networkMode: mode,
      endpoints: [], ports: [], dns: opts.dns ?? [], cmd: opts.cmd ?? [], pid: null, created: new Date().toISOString(),
    };
    let next: HostState = state;
    const steps: Step[] = [];
    let net: NetworkRecord | null = null;
    let createdDefaultBridge = false;
    if (mode === 'bridge') {
      const netName = opts.network ?? 'bridge';
      net = networkByNameOrId(state, netName);
      if (!net && netName === 'bridge') {
        createdDefaultBridge = true;
        const made = await prepareNetworkCreate(ctx, state, { name: 'bridge' }, true);
        net = made.net;
        steps.push(...made.steps);
        next = { ...next, networks: { ...next.networks, bridge: net } };
      }
      if (!net) throw new UsageError(`network ${netName} not found`);
      if (net.isDefault && (opts.aliases ?? []).length) throw new UsageError('network-scoped aliases are only supported for user-defined networks');
      c.endpoints.push(newEndpoint(ctx, next, c, net, { ip: opts.ip ?? null, ip6: opts.ip6 ?? null }, opts.aliases ?? []));
      c.ports = net.internal ? [] : assignHostPorts(next, wantedPorts);
      for (const p of c.ports) assertFamilyCarried(p, c.endpoints[0]!, net);
    } else if (opts.ip || opts.ip6 || (opts.aliases ?? []).length) {
      throw new UsageError(`--ip, --ip6 and --network-alias need a user-defined network, not --network ${mode}`);
    }
    next = { ...next, containers: { ...next.containers, [name]: c } };
    if (net && c.endpoints[0]) next = withLastAllocated(next, net.name, c.endpoints[0]);
    if (c.netns) {
      steps.push(...planNamespaceCreate(c, await etcFiles(host, c, net)));
      if (net) steps.push(...planEndpointAdd(ctx, c, c.endpoints[0]!, net, true));
      steps.push(...planLoopbackUp(c));
    }
    // the firewall depends on the networks and the published ports only
    const firewall = createdDefaultBridge || c.ports.length > 0;
    await applySteps([...steps, ...planCommit(ctx, state, next, { firewall })], { ...apply, host });
    return { state: null, result: c };
  });
}

export function containerLogPath(host: HostRef, name: string): string {
  return path.join(hostStateDir(host), 'logs', `${name}.log`);
}

/** Starts CMD inside the container (detached, output to its log) and records its pid. */
export async function startDetached(host: HostRef, name: string, cmd: string[]): Promise<number> {
  const state = await readState(host);
  const c = mustFindContainer(state, name);
  const log = containerLogPath(host, c.name);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const started = await startInBackground(cmd[0]!, cmd.slice(1), { netns: c.netns, withEtc: true, logFile: log }).catch((err: Error) => {
    throw new UsageError(`cannot start ${cmd[0]}: ${err.message}`);
  });
  const pid = started.pid;
  await withState(host, async (s) => {
    const cur = s.containers[c.name];
    if (!cur) return { state: null, result: undefined };
    return { state: { ...s, containers: { ...s.containers, [c.name]: { ...cur, pid, cmd } } }, result: undefined };
  });
  return pid;
}

export function commandInContainer(c: ContainerRecord, cmd: string[]): [string, string[]] {
  return c.netns ? ['ip', ['netns', 'exec', c.netns, ...cmd]] : [cmd[0]!, cmd.slice(1)];
}

export function isRunning(c: ContainerRecord): boolean {
  return c.pid !== null && isAlive(c.pid);
}

export async function removeContainer(host: HostRef, ref: string, opts: { force?: boolean } = {}): Promise<ContainerRecord> {
  return withState(host, async (state) => {
    const c = mustFindContainer(state, ref);
    if (isRunning(c) && !opts.force) {
      throw new UsageError(`cannot remove container "${c.name}": container is running: stop the container before removing or force remove (-f)`);
    }
    const ctx = hostCtx(host, state);
    const containers = { ...state.containers };
    delete containers[c.name];
    const next: HostState = { ...state, containers };
    await applySteps([...planContainerRemove(ctx, c), ...planCommit(ctx, state, next, { firewall: c.ports.length > 0 })], { host, bestEffort: true });
    fs.rmSync(containerLogPath(host, c.name), { force: true });
    return { state: null, result: c };
  });
}

export async function connectNetwork(host: HostRef, netRef: string, ref: string, opts: { ip?: string | null; ip6?: string | null; aliases?: string[] } = {},
  apply: Omit<ApplyOptions, 'host'> = {}): Promise<EndpointRecord> {
  return withState(host, async (state) => {
    const c = mustFindContainer(state, ref);
    const net = networkByNameOrId(state, netRef);
    if (!net) throw new UsageError(`network ${netRef} not found`);
    if (!c.netns || c.networkMode !== 'bridge') throw new UsageError(`container ${c.name} uses --network ${c.networkMode}: it cannot be connected to other networks`);
    if (c.endpoints.some((e) => e.network === net.name)) throw new UsageError(`endpoint with name ${c.name} already exists in network ${net.name}`);
    const ctx = hostCtx(host, state);
    const ep = newEndpoint(ctx, state, c, net, { ip: opts.ip ?? null, ip6: opts.ip6 ?? null }, opts.aliases ?? []);
    const updated = { ...c, endpoints: [...c.endpoints, ep] };
    const next = withLastAllocated({ ...state, containers: { ...state.containers, [c.name]: updated } }, net.name, ep);
    // as Docker moves its gateway: a container with no way out yet (only --internal networks) gets one through this network
    const wayOut = (family: 4 | 6) => c.endpoints.some((e) => providesDefaultRoute(state.networks[e.network], family));
    const steps = planEndpointAdd(ctx, updated, ep, net, { v4: !wayOut(4), v6: !wayOut(6) });
    await applySteps([...steps, ...planCommit(ctx, state, next, { firewall: false })], { ...apply, host });
    return { state: null, result: ep };
  });
}

export async function disconnectNetwork(host: HostRef, netRef: string, ref: string): Promise<void> {
  await withState(host, async (state) => {
    const c = mustFindContainer(state, ref);
    const net = networkByNameOrId(state, netRef);
    if (!net) throw new UsageError(`network ${netRef} not found`);
    const ep = c.endpoints.find((e) => e.network === net.name);
    if (!ep) throw new UsageError(`container ${c.name} is not connected to network ${net.name}`);
    const ctx = hostCtx(host, state);
    const updated = { ...c, endpoints: c.endpoints.filter((e) => e !== ep), ports: c.endpoints[0] === ep ? [] : c.ports };
    const next: HostState = { ...state, containers: { ...state.containers, [c.name]: updated } };
    const steps = [...planEndpointRemove(ctx, c, ep), ...planGatewayHandover(c, ep, state.networks)];
    await applySteps([...steps, ...planCommit(ctx, state, next, { firewall: c.ports.length > 0 })], { host, bestEffort: true });
    return { state: null, result: undefined };
  });
}

export { BUILTIN_NETWORKS };
