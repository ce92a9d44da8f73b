import type { DoctorTarget } from './context.js';
import { namedBy } from './inventory/names.js';
import { remoteContainer } from './inventory/swarm-peer.js';
import type { InvContainer, InventoryProvider } from './inventory/types.js';

export interface TargetQuery {
  inventory: InventoryProvider;
  fromName: string;
  toName: string;
  port?: number | null;
}

/** The two containers of a doctor run, found in the backend's whole inventory (by name, id or id prefix). */
export async function loadTarget(o: TargetQuery): Promise<DoctorTarget> {
  const names = [o.fromName, o.toName];
  const [containers, networks] = await Promise.all([o.inventory.listContainers({ vethsOf: names }), o.inventory.listNetworks()]);
  const find = (name: string) => containers.find((c) => namedBy(c, name)) ?? null;
  const to = find(o.toName) ?? (await onAnotherNode(o.inventory, o.toName));
  return { fromName: o.fromName, toName: o.toName, from: find(o.fromName), to, containers, networks, port: o.port ?? null };
}

/** The peer may run on another node of the engine's swarm: its overlays list it. */
async function onAnotherNode(inventory: InventoryProvider, name: string): Promise<InvContainer | null> {
  const view = inventory.swarm ? await inventory.swarm().catch(() => null) : null;
  return view ? remoteContainer(view, name) : null;
}
