import type { DoctorTarget } from './context.js';
import type { CurrentProject } from './inventory/compose-project.js';
import { namedBy } from './inventory/names.js';
import { resolveServiceNames, type ResolvedName } from './inventory/service-names.js';
import { remoteContainer } from './inventory/swarm-peer.js';
import type { InvContainer, InventoryProvider } from './inventory/types.js';

export interface TargetQuery {
  inventory: InventoryProvider;
  fromName: string;
  toName: string;
  port?: number | null;
  /** the compose project service names are looked up in first (null: none here) */
  project?: CurrentProject | null;
}

/**
 * The two containers of a doctor run, found in the backend's whole inventory
 * (by name, id, id prefix, or compose service name: see resolveServiceNames).
 */
export async function loadTarget(o: TargetQuery): Promise<DoctorTarget> {
  const names = [o.fromName, o.toName];
  const [containers, networks] = await Promise.all([o.inventory.listContainers({ vethsOf: names }), o.inventory.listNetworks()]);
  const [from, to] = resolveServiceNames(containers, names, o.project ?? null) as [ResolvedName, ResolvedName];
  const find = (name: string) => containers.find((c) => namedBy(c, name)) ?? null;
  const services = from.service || to.service ? { from: from.service ?? null, to: to.service ?? null } : undefined;
  return {
    fromName: from.container, toName: to.container, from: find(from.container),
    to: find(to.container) ?? (await onAnotherNode(o.inventory, to.container)),
    containers, networks, port: o.port ?? null, ...(services ? { services } : {}),
  };
}


/** The peer may run on another node of the engine's swarm: its overlays list it. */
async function onAnotherNode(inventory: InventoryProvider, name: string): Promise<InvContainer | null> {
  const view = inventory.swarm ? await inventory.swarm().catch(() => null) : null;
  return view ? remoteContainer(view, name) : null;
}
