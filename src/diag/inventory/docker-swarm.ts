import { DockerApiError, type DockerApi, type DockerInfo, type DockerNetwork, type DockerNetworkVerbose, type DockerNode } from './docker-api.js';
import type { SwarmMember, SwarmOverlay, SwarmView } from './types.js';

/**
 * The swarm an engine is in, from its API: /info's Swarm section, /nodes
 * (managers only) and each overlay network's verbose inspect, which lists
 * the nodes that have it (Peers) and every node's containers on it. A
 * Docker overlay's VXLAN devices live in namespaces of their own, so the
 * host namespace shows none of this.
 */
const DEFAULT_DATA_PORT = 4789;
const VNI_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

const hostOf = (addr: string) => addr.replace(/:\d+$/, '');
const isAddress = (a: string | undefined): a is string => !!a && a !== '0.0.0.0';

export async function readSwarm(api: DockerApi): Promise<SwarmView> {
  if (await outsideAnySwarm(api)) return { state: 'inactive', self: null, dataPort: DEFAULT_DATA_PORT, members: [], overlays: [] };
  const info = (await api.getJson<DockerInfo>('/info')).Swarm;
  const state = info?.LocalNodeState || 'inactive';
  if (!info || state !== 'active') return { state, self: null, dataPort: DEFAULT_DATA_PORT, members: [], overlays: [] };
  const [nodes, overlays] = await Promise.all([
    info.ControlAvailable ? api.getJson<DockerNode[]>('/nodes') : Promise.resolve(null),
    readOverlays(api),
  ]);
  return {
    state, self: info.NodeAddr, dataPort: info.Cluster?.DataPathPort || DEFAULT_DATA_PORT,
    members: membersOf(info.NodeAddr, info.RemoteManagers ?? [], nodes, overlays), overlays,
  };
}

/**
 * GET /swarm answers a node that has no swarm at all with 503 and "... Use
 * "docker swarm init" or "docker swarm join" ..." (any other answer: ask
 * /info). Asked first because /info costs dockerd 15-70 ms here (it runs runc
 * and docker-init for their versions), CPU the checks need on two cores.
 */
async function outsideAnySwarm(api: DockerApi): Promise<boolean> {
  try {
    await api.getJson('/swarm');
    return false;
  } catch (err) {
    return err instanceof DockerApiError && err.status === 503 && err.message.includes('"docker swarm init"');
  }
}

async function readOverlays(api: DockerApi): Promise<SwarmOverlay[]> {
  const networks = (await api.getJson<DockerNetwork[]>('/networks')).filter((n) => n.Driver === 'overlay');
  const verbose = await Promise.all(networks.map((n) => api.getJson<DockerNetworkVerbose>(`/networks/${encodeURIComponent(n.Id)}?verbose=true`)));
  return verbose.map(overlayOf);
}

export function overlayOf(n: DockerNetworkVerbose): SwarmOverlay {
  const tasks = n.Ingress ? [] : Object.values(n.Services ?? {}).flatMap((s) => s.Tasks ?? []);
  return {
    network: n.Name,
    vnis: (n.Options?.[VNI_OPTION] ?? '').split(',').filter(Boolean).map(Number),
    nodes: (n.Peers ?? []).map((p) => p.IP).filter(isAddress),
    endpoints: tasks
      .map((t) => ({ name: t.Name, ipv4: t.EndpointIP.replace(/\/\d+$/, ''), node: t.Info?.['Host IP'] ?? '' }))
      .filter((e) => e.ipv4 && isAddress(e.node)),
  };
}

/**
 * Every other node: /nodes with roles when this is a manager; else the
 * managers it knows (RemoteManagers) and the nodes its overlays reach, which
 * are workers since RemoteManagers names every manager.
 */
export function membersOf(self: string, remoteManagers: Array<{ Addr: string }>, nodes: DockerNode[] | null, overlays: SwarmOverlay[]): SwarmMember[] {
  const members = new Map<string, SwarmMember>();
  const add = (address: string | undefined, manager: boolean) => {
    if (isAddress(address) && address !== self && !members.has(address)) members.set(address, { address, manager });
  };
  // a manager's Status.Addr may read 0.0.0.0; its ManagerStatus.Addr is exact
  for (const n of nodes ?? []) add(n.ManagerStatus ? hostOf(n.ManagerStatus.Addr) : n.Status.Addr, n.Spec.Role === 'manager');
  for (const m of remoteManagers) add(hostOf(m.Addr), true);
  for (const o of overlays) for (const address of o.nodes) add(address, false);
  return [...members.values()].sort((a, b) => a.address.localeCompare(b.address));
}
