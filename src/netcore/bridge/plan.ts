import { ipStep, type Step } from './steps.js';
import type { ContainerRecord, EndpointRecord, HostState, NetworkRecord } from './state/types.js';

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
  const prefix = net.subnet!.split('/')[1]!;
  return [
    // An explicit MAC: a bridge without one takes the lowest MAC of its ports, so it
    // changes as containers come and go and the containers' ARP entry for the gateway goes stale.
    ipStep(`create bridge ${br}`, h.netns, ['link', 'add', br, 'address', bridgeMac(net.id), 'mtu', String(net.mtu), 'type', 'bridge'], ['link', 'del', br]),
    ipStep(`address ${net.gateway}/${prefix} on ${br}`, h.netns, ['addr', 'add', `${net.gateway}/${prefix}`, 'dev', br]),
    ipStep(`bring ${br} up`, h.netns, ['link', 'set', br, 'up']),
    { what: 'enable IPv4 forwarding', do: { type: 'sysctl', netns: h.netns, key: 'net.ipv4.ip_forward', value: '1' }, undo: null },
  ];
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
  if (opts.firewall) {
    steps.push({
      what: 'apply firewall rules',
      do: { type: 'firewall', netns: h.netns, state: next, isSandbox: h.isSandbox },
      undo: { type: 'firewall', netns: h.netns, state: prev, isSandbox: h.isSandbox },
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
  steps.push(ipStep(`bring lo up in ${ns}`, ns, ['link', 'set', 'lo', 'up']));
  return steps;
}

/** A network a container's default route may go through: one with a gateway and a way out. */
export function providesDefaultRoute(net: NetworkRecord | undefined): boolean {
  return !!net && !!net.gateway && !net.internal;
}

/**
 * When `leaving` carried the container's default route, the route moves to
 * the next endpoint whose network can carry it, as Docker moves a sandbox's
 * gateway endpoint.
 */
export function planGatewayHandover(c: ContainerRecord, leaving: EndpointRecord, networks: Record<string, NetworkRecord>): Step[] {
  const carriers = c.endpoints.filter((e) => providesDefaultRoute(networks[e.network]));
  if (carriers[0] !== leaving || !carriers[1] || !c.netns) return [];
  const gateway = networks[carriers[1].network]!.gateway!;
  return [ipStep(`default route via ${gateway}`, c.netns, ['route', 'replace', 'default', 'via', gateway])];
}

/** One endpoint: a veth pair (or a macvlan link) with its address and, for the first one, the default route. */
export function planEndpointAdd(h: PlanHost, c: ContainerRecord, ep: EndpointRecord, net: NetworkRecord, defaultRoute: boolean): Step[] {
  const ns = c.netns!;
  const mtu = String(net.mtu);
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
    );
  }
  steps.push(
    ipStep(`address ${ep.ipv4}/${ep.prefixLen} on ${ep.ifname}`, ns, ['addr', 'add', `${ep.ipv4}/${ep.prefixLen}`, 'dev', ep.ifname]),
    ipStep(`bring ${ep.ifname} up`, ns, ['link', 'set', ep.ifname, 'up']),
  );
  if (defaultRoute && net.gateway && providesDefaultRoute(net)) {
    steps.push(ipStep(`default route via ${net.gateway}`, ns, ['route', 'add', 'default', 'via', net.gateway]));
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
