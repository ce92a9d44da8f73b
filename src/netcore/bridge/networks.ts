import { UsageError } from '../errors.js';
import { applySteps, type ApplyOptions } from './executor.js';
import { hostIpv4Ranges, linkExists } from '../kernel/hostfacts.js';
import { hostCtx, type HostCtx } from './hostctx.js';
import type { HostRef } from '../host.js';
import { DEFAULT_BRIDGE_SUBNET, planSubnet } from './ipam.js';
import { overlaps, parseCidr } from '../ipv4.js';
import { parseCidr6 } from '../ipv6.js';
import { parsePool6, planSubnet6, ulaPool48 } from './ipam6.js';
import { hostStateDir } from '../host.js';
import { newId } from './naming.js';
import { planBridgeCreate, planBridgeRemove, planCommit } from './plan.js';
import { readState, withState } from './state/store.js';
import { byNameOrIdPrefix } from './state/lookup.js';
import type { Driver, HostState, NetworkRecord } from './state/types.js';
import { parseIntStrict, validateIfName, validateName } from '../validate.js';

export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_PARENT = 'parent';
const KNOWN_OPTIONS = new Set([
  OPT_MTU, OPT_BRIDGE_NAME, OPT_PARENT, 'macvlan_mode',
  'com.docker.network.bridge.enable_icc', 'com.docker.network.bridge.enable_ip_masquerade',
  'com.docker.network.bridge.host_binding_ipv4', 'com.docker.network.bridge.default_bridge',
]);

/** Networks every host has, as in Docker: `host` and `none` need no kernel objects. */
export const BUILTIN_NETWORKS = ['bridge', 'host', 'none'] as const;
const DEFAULT_MTU = 1500;

export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string | null;
  gateway?: string | null;
  ipRange?: string | null;
  /** dual-stack (--ipv6): the IPv6 subnet and gateway, or a /64 from the pool */
  ipv6?: boolean;
  subnet6?: string | null;
  gateway6?: string | null;
  /** the ULA base the /64 comes from when no IPv6 subnet is given (default: the host's, as moby derives it) */
  ipv6Pool?: string | null;
  /** false: IPv6-only (--ipv4=false, as Docker 28) */
  ipv4?: boolean;
  internal?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

function validateDriverOptions(driver: Driver, options: Record<string, string>): { mtu: number; bridgeName: string | null; parent: string | null } {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new UsageError(`unknown driver option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const mtu = options[OPT_MTU] !== undefined ? parseIntStrict('MTU', options[OPT_MTU]!, 68, 65535) : DEFAULT_MTU;
  const bridgeName = options[OPT_BRIDGE_NAME] !== undefined ? validateIfName(options[OPT_BRIDGE_NAME]!) : null;
  const parent = options[OPT_PARENT] !== undefined ? validateIfName(options[OPT_PARENT]!) : null;
  if (driver === 'macvlan' && !parent) throw new UsageError('the macvlan driver needs -o parent=IFACE');
  if (driver !== 'macvlan' && parent) throw new UsageError('-o parent= is an option of the macvlan driver');
  return { mtu, bridgeName, parent };
}

/** The network record for a create request, checked against the host: throws UsageError before anything changes. */
async function describeNetwork(ctx: HostCtx, state: HostState, opts: CreateNetworkOptions, isDefault: boolean): Promise<NetworkRecord> {
  const name = validateName('network', opts.name);
  if (!isDefault && (BUILTIN_NETWORKS as readonly string[]).includes(name)) {
    throw new UsageError(`${name} is a pre-defined network and cannot be created`);
  }
  if (state.networks[name]) throw new UsageError(`network with name ${name} already exists`);
  const driverName = opts.driver ?? 'bridge';
  if (driverName !== 'bridge' && driverName !== 'macvlan') throw new UsageError(`unsupported driver "${driverName}" (bridge or macvlan)`);
  const driver = driverName as Driver;
  const options = { ...(opts.options ?? {}) };
  const v = validateDriverOptions(driver, options);

  const enableIPv4 = opts.ipv4 !== false;
  const v6 = describeIpv6(ctx, state, opts);
  if (!enableIPv4 && !v6) throw new UsageError('--ipv4=false needs --ipv6: a network needs at least one address family');
  if (!enableIPv4 && (opts.subnet || opts.gateway || opts.ipRange)) throw new UsageError('--ipv4=false takes no IPv4 --subnet, --gateway or --ip-range');
  const sub = enableIPv4 ? await describeIpv4(ctx, state, opts, isDefault) : { subnet: null, gateway: null, ipRange: null };
  const id = newId();
  let device: string;
  if (driver === 'macvlan') {
    device = v.parent!;
    if (!(await linkExists(ctx.netns, device))) throw new UsageError(`parent interface ${device} does not exist on ${ctx.netns ? `host netns ${ctx.netns}` : 'this host'}`);
  } else {
    device = v.bridgeName ?? (isDefault ? ctx.naming.defaultBridge : ctx.naming.userBridge(id));
    if (Object.values(state.networks).some((n) => n.device === device && n.driver === 'bridge')) {
      throw new UsageError(`bridge ${device} is already used by another network`);
    }
    if (await linkExists(ctx.netns, device)) throw new UsageError(`an interface named ${device} already exists on the host: choose another ${OPT_BRIDGE_NAME}`);
  }
  if (isDefault) {
    Object.assign(options, {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      [OPT_BRIDGE_NAME]: device,
      [OPT_MTU]: String(v.mtu),
    });
  }
  return {
    id, name, driver, isDefault, subnet: sub.subnet, gateway: sub.gateway, ipRange: sub.ipRange,
    subnet6: v6?.subnet6 ?? null, gateway6: v6?.gateway6 ?? null, enableIPv4,
    internal: !!opts.internal, mtu: v.mtu, device, options, labels: opts.labels ?? {}, created: new Date().toISOString(),
  };
}

async function describeIpv4(ctx: HostCtx, state: HostState, opts: CreateNetworkOptions, isDefault: boolean) {
  const existing = Object.values(state.networks).filter((n) => n.subnet).map((n) => parseCidr(n.subnet!));
  const ownDevices = new Set(Object.values(state.networks).map((n) => n.device ?? ''));
  const hostRoutes = opts.subnet ? [] : await hostIpv4Ranges(ctx.netns, ownDevices);
  // Docker's 172.17.0.0/16 unless something on the host (docker0 itself, a VPN) has it already
  const defaultFree = isDefault && !hostRoutes.some((r) => overlaps(r, parseCidr(DEFAULT_BRIDGE_SUBNET)));
  return planSubnet({
    subnet: opts.subnet ?? (defaultFree ? DEFAULT_BRIDGE_SUBNET : null),
    gateway: opts.gateway ?? null,
    ipRange: opts.ipRange ?? null,
    existing,
    hostRoutes,
  });
}

/**
 * The IPv6 half of a dual-stack request, or null without --ipv6 (then no IPv6
 * flag may be given). Bridge and macvlan alike, as Docker: a macvlan endpoint
 * gets its address on its link and the default route via the gateway (::1 of
 * the subnet unless --gateway names another, as libnetwork's IPAM gives one).
 */
function describeIpv6(ctx: HostCtx, state: HostState, opts: CreateNetworkOptions) {
  if (!opts.ipv6) {
    if (opts.subnet6 || opts.gateway6 || opts.ipv6Pool) throw new UsageError('an IPv6 --subnet, --gateway or --ipv6-pool needs --ipv6');
    return null;
  }
  const pool = opts.ipv6Pool ? parsePool6(opts.ipv6Pool) : ulaPool48(hostStateDir(ctx.host));
  const existing = Object.values(state.networks).filter((n) => n.subnet6).map((n) => parseCidr6(n.subnet6!));
  return planSubnet6({ subnet: opts.subnet6 ?? null, gateway: opts.gateway6 ?? null, pool, existing });
}

/** Repeated --subnet/--gateway as Docker takes them: at most one of each family. */
export function splitByFamily(flag: string, values: string[]): { v4: string | null; v6: string | null } {
  const out: { v4: string | null; v6: string | null } = { v4: null, v6: null };
  for (const v of values) {
    const family = v.includes(':') ? 'v6' : 'v4';
    if (out[family] !== null) throw new UsageError(`${flag} given twice for IPv${family[1]}: ${out[family]} and ${v}`);
    out[family] = v;
  }
  return out;
}

/** Steps to create a network inside a larger plan (the default bridge is created on first use). */
export async function prepareNetworkCreate(ctx: HostCtx, state: HostState, opts: CreateNetworkOptions, isDefault = false) {
  const net = await describeNetwork(ctx, state, opts, isDefault);
  const steps = net.driver === 'bridge' ? planBridgeCreate(ctx, net) : [];
  return { net, steps };
}

export async function createNetwork(host: HostRef, opts: CreateNetworkOptions, apply: Omit<ApplyOptions, 'host'> = {}): Promise<NetworkRecord> {
  return withState(host, async (state) => {
    const ctx = hostCtx(host, state);
    // `network create bridge` makes the default bridge ahead of its first use (e.g. with --ipv6, as dockerd --ipv6 does)
    const { net, steps } = await prepareNetworkCreate(ctx, state, opts, opts.name === 'bridge');
    const next: HostState = { ...state, networks: { ...state.networks, [net.name]: net } };
    await applySteps([...steps, ...planCommit(ctx, state, next, { firewall: net.driver === 'bridge' })], { ...apply, host });
    return { state: null, result: net };
  });
}

export function networkByNameOrId(state: HostState, ref: string): NetworkRecord | null {
  return byNameOrIdPrefix(state.networks, ref);
}

function containersOn(state: HostState, network: string): string[] {
  return Object.values(state.containers).filter((c) => c.endpoints.some((e) => e.network === network)).map((c) => c.name);
}

export async function removeNetwork(host: HostRef, ref: string): Promise<NetworkRecord> {
  return withState(host, async (state) => {
    const net = networkByNameOrId(state, ref);
    if (!net) {
      if ((BUILTIN_NETWORKS as readonly string[]).includes(ref)) throw new UsageError(`${ref} is a pre-defined network and cannot be removed`);
      throw new UsageError(`network ${ref} not found`);
    }
    const users = containersOn(state, net.name);
    if (users.length) throw new UsageError(`error while removing network: network ${net.name} has active endpoints (${users.join(', ')})`);
    const ctx = hostCtx(host, state);
    const networks = { ...state.networks };
    delete networks[net.name];
    const next: HostState = { ...state, networks };
    await applySteps([...planBridgeRemove(ctx, net), ...planCommit(ctx, state, next, { firewall: net.driver === 'bridge' })], { host, bestEffort: true });
    return { state: null, result: net };
  });
}

/** Removes every user-defined network without containers; returns their names. */
export async function pruneNetworks(host: HostRef): Promise<string[]> {
  const state = await readState(host);
  const removed: string[] = [];
  for (const net of Object.values(state.networks)) {
    if (net.isDefault || containersOn(state, net.name).length) continue;
    await removeNetwork(host, net.name);
    removed.push(net.name);
  }
  return removed;
}
