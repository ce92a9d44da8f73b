import { UsageError } from '../netcore/errors.js';
import { readLinks } from '../netcore/kernel/links.js';
import { readOffloads } from '../netcore/kernel/offloads.js';
import { routeGet } from '../netcore/kernel/routes.js';
import { dockerInventory } from '../diag/inventory/select.js';
import type { InvContainer } from '../diag/inventory/types.js';
import type { Hop } from './types.js';

/**
 * The engine and host namespace of the swarm node TO runs on. tsdiag's
 * receiver must run in TO's namespace there: on two real hosts that means
 * tsdiag on the other node; on one machine whose namespaces play the nodes
 * (the test rig), that node's engine answers here and its namespaces can be
 * entered from here.
 */
export interface PeerNode { dockerHost: string; hostNetns: string }

/** TO as the peer node's own engine knows it: with its pid, namespace and endpoints. */
export async function peerContainer(peer: PeerNode | undefined, remote: InvContainer): Promise<InvContainer> {
  if (!peer) {
    throw new UsageError(`${remote.name} runs on swarm node ${remote.node}: tsdiag's receiver must run there (give --peer-docker-host and --peer-host-netns of that node when it is a namespace of this machine, or run tsdiag perf on that node)`);
  }
  const inventory = dockerInventory({ netns: peer.hostNetns, stateDir: '' }, { DOCKER_HOST: peer.dockerHost });
  const c = (await inventory.listContainers({ vethsOf: [] })).find((x) => x.name === remote.name);
  if (!c) throw new UsageError(`no container named ${remote.name} on the peer engine ${peer.dockerHost}`);
  if (!c.running) throw new UsageError(`${remote.name} is not running`);
  // the overlay's veths live in its sandbox namespace, not the node's: no host end to read
  return { ...c, endpoints: c.endpoints.map((e) => ({ ...e, hostIf: null })) };
}

/** The link a node's VXLAN packets toward `toward` leave by (its host namespace's route), as a hop. */
export async function underlayHop(where: string, hostNetns: string | null, toward: string, role: 'from-underlay' | 'to-underlay'): Promise<Hop | null> {
  const at = { netns: hostNetns };
  const [route, links] = await Promise.all([routeGet(toward, at).catch(() => null), readLinks(at).catch(() => [])]);
  const link = route?.dev ? links.find((l) => l.ifname === route.dev) : undefined;
  if (!link) return null;
  return { where, dev: link.ifname, role, mtu: link.mtu, offloads: await readOffloads(link.ifname, at), qdisc: null };
}
