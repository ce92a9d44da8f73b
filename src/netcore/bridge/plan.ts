import { ipStep, type Step } from './steps.js';
import type { ContainerRecord, EndpointRecord, HostState, NetworkRecord } from './state/types.js';
import { anyIpv6Network, hasIpv4, hasIpv6 } from './state/families.js';

/**
 * Pure planners: desired state in, kernel steps out. Each step carries its undo,
 * so the executor can take back a half-applied plan.
 */
export interface PlanHost {
  netns: string | null; // the host namespace
  isSandbox: boolean;
}

export function planBridgeCreate(h: PlanHost, net: NetworkRecord): Step[] {
  const br = net.device!;
  // An explicit MAC: a bridge without one takes the lowest MAC of its ports, so it
  // changes as containers come and go and the containers' ARP entry for the gateway goes stale.
  const steps: Step[] = [
    ipStep(`create bridge ${br}`, h.netns, ['link', 'add', br, 'address', bridgeMac(net.id), 'mtu', String(net.mtu), 'type', 'bridge'], ['link', 'del', br]),
  ];
  const forward = hasIpv4(net) ? [sysctlStep(h.netns, 'net.ipv4.ip_forward', '1')] : [];
  if (hasIpv6(net)) {
    // as moby's bridge driver: IPv6 on for the bridge (a host may default to disable_ipv6=1), forwarding on for
    // the whole host; the gateway and Docker's fe80::1 without DAD, so containers can use them at once.
    // The sysctls stand together (one process), before the addresses that need IPv6 on.
    forward.push(sysctlStep(h.netns, `net.ipv6.conf.${br}.disable_ipv6`, '0'), sysctlStep(h.netns, 'net.ipv6.conf.all.forwarding', '1'));
    steps.push(
      ...forward.splice(0),
      ipStep(`address ${net.gateway6}/${prefixOf(net.subnet6!)} on ${br}`, h.netns, ['addr', 'add', `${net.gateway6}/${prefixOf(net.subnet6!)}`, 'dev', br, 'nodad']),
      ipStep(`address fe80::1/64 on ${br}`, h.netns, ['addr', 'add', 'fe80::1/64', 'dev', br, 'nodad']),
    );
  }
  if (hasIpv4(net)) {
    steps.push(ipStep(`address ${net.gateway}/${prefixOf(net.subnet!)} on ${br}`, h.netns, ['addr', 'add', `${net.gateway}/${prefixOf(net.subnet!)}`, 'dev', br]));
  }
  steps.push(ipStep(`bring ${br} up`, h.netns, ['link', 'set', br, 'up']), ...forward);
  return steps;
}

const prefixOf = (cidr: string) => cidr.split('/')[1]!;

function sysctlStep(netns: string | null, key: string, value: string): Step {
  return { what: `${key}=${value}`, do: { type: 'sysctl', netns, key, value }, undo: null };
}

/** A locally administered unicast MAC (first octet 0x0e) derived from the network id. */
export function bridgeMac(networkId: string): string {
  const bytes = ['0e', ...(networkId.slice(0, 10).match(/../g) ?? [])];
  return bytes.join(':');
}

export function planBridgeRemove(h: PlanHost, net: NetworkRecord): Step[] {
  return net.driver === 'bridge' && net.device ? [ipStep(`delete bridge ${net.device}`, h.netns, ['link', 'del', net.device])] : [];
}

/** Firewall and state: the two last steps of every plan, each undone by going back to `prev`. */
export function planCommit(h: PlanHost, prev: HostState, next: HostState, opts: { firewall: boolean }): Step[] {
  const steps: Step[] = [];
  // ip6tables only where IPv6 networks are or were: an IPv4-only host pays nothing for it
  const ipv6 = anyIpv6Network(prev) || anyIpv6Network(next);
  if (opts.firewall) {
    steps.push({
      what: 'apply firewall rules',
      do: { type: 'firewall', netns: h.netns, state: next, isSandbox: h.isSandbox, ipv6 },
      undo: { type: 'firewall', netns: h.netns, state: prev, isSandbox: h.isSandbox, ipv6 },
    });
  }
  steps.push({ what: 'write state', do: { type: 'write-state', state: next }, undo: { type: 'write-state', state: prev } });
  return steps;
}

export function planNamespaceCreate(c: ContainerRecord, files: Record<string, string>): Step[] {
  const ns = c.netns!;
  const steps: Step[] = [
    { what: `create namespace ${ns}`, do: { type: 'netns-add', name: ns }, undo: { type: 'netns-del', name: ns } },
  ];
  const etc = `/etc/netns/${ns}`;
  const names = Object.keys(files);
  names.forEach((file, i) => {
    steps.push({
      what: `write ${etc}/${file}`,
      do: { type: 'write-file', path: `${etc}/${file}`, content: files[file]! },
      undo: i === 0 ? { type: 'remove-path', path: etc } : null,
    });
  });
  return steps;
}

/** lo up: planned after the first endpoint, so it joins that endpoint's `ip -batch` in the namespace. */
export function planLoopbackUp(c: ContainerRecord): Step[] {
  return [ipStep(`bring lo up in ${c.netns}`, c.netns!, ['link', 'set', 'lo', 'up'])];
}

export type Family = 4 | 6;

/** A network a container's default route of `family` may go through: one with a gateway of it and a way out. */
export function providesDefaultRoute(net: NetworkRecord | undefined, family: Family = 4): boolean {
  return !!net && !net.internal && (family === 4 ? hasIpv4(net) && !!net.gateway : hasIpv6(net));
}

const gatewayOf = (net: NetworkRecord, family: Family) => (family === 4 ? net.gateway! : net.gateway6!);

/**
 * When `leaving` carried the container's default route (of either family), the
 * route moves to the next endpoint whose network can carry it, as Docker moves
 * a sandbox's gateway endpoint.
 */
export function planGatewayHandover(c: ContainerRecord, leaving: EndpointRecord, networks: Record<string, NetworkRecord>): Step[] {
  if (!c.netns) return [];
  return ([4, 6] as const).flatMap((family) => {
    const carriers = c.endpoints.filter((e) => providesDefaultRoute(networks[e.network], family));
    if (carriers[0] !== leaving || !carriers[1]) return [];
    const gateway = gatewayOf(networks[carriers[1].network]!, family);
    return [ipStep(`default route via ${gateway}`, c.netns!, ['route', 'replace', 'default', 'via', gateway])];
  });
}

/** Which default routes an endpoint brings: true for both families its network has. */
export type DefaultRoutes = boolean | { v4: boolean; v6: boolean };

/**
 * One endpoint: a veth pair (or a macvlan link) with its addresses and, for the
 * first one, the default routes. IPv6 as moby's osl sets it: disable_ipv6=0 on
 * the interface, the address with nodad (DAD would hold it tentative ~1 s and
 * a connect from it fail), and accept_ra=0 so no router advertisement adds
 * addresses or routes behind tsdiag's back.
 */
export function planEndpointAdd(h: PlanHost, c: ContainerRecord, ep: EndpointRecord, net: NetworkRecord, defaultRoute: DefaultRoutes): Step[] {
  const ns = c.netns!;
  const mtu = String(net.mtu);
  const routes = typeof defaultRoute === 'boolean' ? { v4: defaultRoute, v6: defaultRoute } : defaultRoute;
  const steps: Step[] = [];
  if (net.driver === 'macvlan') {
    const tmp = ep.hostIf!; // a temporary host-side name, renamed to ethN inside
    steps.push(
      ipStep(`create macvlan ${tmp} on ${net.device}`, h.netns,
        ['link', 'add', tmp, 'link', net.device!, 'address', ep.mac, 'mtu', mtu, 'type', 'macvlan', 'mode', 'bridge'], ['link', 'del', tmp]),
      ipStep(`move ${tmp} into ${ns}`, h.netns, ['link', 'set', tmp, 'netns', ns]),
      ipStep(`rename ${tmp} to ${ep.ifname}`, ns, ['link', 'set', tmp, 'name', ep.ifname]),
    );
  } else {
    steps.push(
      ipStep(`create veth ${ep.hostIf} / ${ep.ifname}`, h.netns,
        ['link', 'add', ep.hostIf!, 'mtu', mtu, 'type', 'veth', 'peer', 'name', ep.ifname, 'mtu', mtu, 'address', ep.mac, 'netns', ns],
        ['link', 'del', ep.hostIf!]),
      ipStep(`attach ${ep.hostIf} to ${net.device}`, h.netns, ['link', 'set', ep.hostIf!, 'master', net.device!, 'up']),
      // hairpin NAT of published ports (no userland proxy) sends a container's packets to itself back out of its own port
      ipStep(`hairpin on ${ep.hostIf}`, h.netns, ['link', 'set', ep.hostIf!, 'type', 'bridge_slave', 'hairpin', 'on']),
    );
  }
  if (ep.ipv6) {
    steps.push(
      sysctlStep(ns, `net.ipv6.conf.${ep.ifname}.disable_ipv6`, '0'),
      sysctlStep(ns, `net.ipv6.conf.${ep.ifname}.accept_ra`, '0'),
      ipStep(`address ${ep.ipv6}/${ep.prefixLen6} on ${ep.ifname}`, ns, ['addr', 'add', `${ep.ipv6}/${ep.prefixLen6}`, 'dev', ep.ifname, 'nodad']),
    );
  }
  if (ep.ipv4) steps.push(ipStep(`address ${ep.ipv4}/${ep.prefixLen} on ${ep.ifname}`, ns, ['addr', 'add', `${ep.ipv4}/${ep.prefixLen}`, 'dev', ep.ifname]));
  steps.push(ipStep(`bring ${ep.ifname} up`, ns, ['link', 'set', ep.ifname, 'up']));
  for (const family of [4, 6] as const) {
    if (!(family === 4 ? routes.v4 : routes.v6) || !providesDefaultRoute(net, family)) continue;
    const gateway = gatewayOf(net, family);
    steps.push(ipStep(`default route via ${gateway}`, ns, ['route', 'add', 'default', 'via', gateway]));
  }
  return steps;
}

export function planEndpointRemove(h: PlanHost, c: ContainerRecord, ep: EndpointRecord): Step[] {
  // deleting either end of a veth deletes both; a macvlan lives inside the namespace
  if (ep.hostIf && !ep.hostIf.startsWith('mv')) return [ipStep(`delete veth ${ep.hostIf}`, h.netns, ['link', 'del', ep.hostIf])];
  return [ipStep(`delete ${ep.ifname} in ${c.netns}`, c.netns, ['link', 'del', ep.ifname])];
}

export function planContainerRemove(_h: PlanHost, c: ContainerRecord): Step[] {
  if (!c.netns) return [];
  const ns = c.netns;
  // Deleting the namespace (once no process holds it) destroys its veth pairs in
  // the kernel's cleanup work, 10-40 ms later; `ip link del` of each veth would
  // block ~30 ms per pair for an RCU grace period instead.
  return planNamespaceRemove(ns);
}

/** Stops a namespace's processes, deletes it, and removes its /etc/netns files. */
export function planNamespaceRemove(ns: string): Step[] {
  return [
    { what: `stop processes in ${ns}`, do: { type: 'kill-netns-processes', name: ns }, undo: null },
    { what: `delete namespace ${ns}`, do: { type: 'netns-del', name: ns }, undo: null },
    { what: `remove /etc/netns/${ns}`, do: { type: 'remove-path', path: `/etc/netns/${ns}` }, undo: null },
  ];
}
