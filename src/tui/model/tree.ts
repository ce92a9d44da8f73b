import { serviceLabel } from '../../diag/inventory/compose.js';
import type { BackendName, InvContainer, InvEndpoint, InvNetwork } from '../../diag/inventory/types.js';

/** What one backend reported at the last refresh (or why it could not). */
export interface InventorySnapshot {
  backend: BackendName;
  networks: InvNetwork[];
  containers: InvContainer[];
  error: string | null;
}

export type TreeRow =
  | { kind: 'backend'; key: string; backend: BackendName; error: string | null; networks: number; containers: number }
  | { kind: 'network'; key: string; backend: BackendName; name: string; network: InvNetwork | null; members: InvContainer[] }
  | { kind: 'container'; key: string; backend: BackendName; container: InvContainer; endpoint: InvEndpoint | null };

export const BACKEND_TITLE: Record<BackendName, string> = { native: "tsdiag's own", docker: 'Docker', podman: 'Podman' };

/** containers without an endpoint on a listed network (host, none) gather under this pseudo network */
const NO_NETWORK = '(no network)';

/**
 * The left pane as rows: each backend, its networks, and under each network
 * the containers attached to it (a container on two networks shows twice).
 * Keys stay the same across refreshes so the selection survives them.
 */
export function buildTree(snapshots: readonly InventorySnapshot[]): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const s of snapshots) {
    rows.push({ kind: 'backend', key: s.backend, backend: s.backend, error: s.error, networks: s.networks.length, containers: s.containers.length });
    const networks = [...s.networks].sort((a, b) => a.name.localeCompare(b.name));
    const placed = new Set<string>();
    for (const n of networks) {
      const members = s.containers.filter((c) => c.endpoints.some((e) => e.network === n.name)).sort((a, b) => a.name.localeCompare(b.name));
      rows.push({ kind: 'network', key: `${s.backend}/net/${n.name}`, backend: s.backend, name: n.name, network: n, members });
      for (const c of members) {
        placed.add(c.name);
        rows.push({ kind: 'container', key: `${s.backend}/ctr/${c.name}@${n.name}`, backend: s.backend, container: c, endpoint: c.endpoints.find((e) => e.network === n.name) ?? null });
      }
    }
    const rest = s.containers.filter((c) => !placed.has(c.name)).sort((a, b) => a.name.localeCompare(b.name));
    if (rest.length) {
      rows.push({ kind: 'network', key: `${s.backend}/net/${NO_NETWORK}`, backend: s.backend, name: NO_NETWORK, network: null, members: rest });
      for (const c of rest) rows.push({ kind: 'container', key: `${s.backend}/ctr/${c.name}@`, backend: s.backend, container: c, endpoint: null });
    }
  }
  return rows;
}

export function portsText(c: InvContainer): string {
  return c.published.map((p) => `${p.hostPort}->${p.containerPort}/${p.proto}`).join(',');
}

/** published ports as short as the tree needs them: 8080->80, 53->53/udp */
function shortPortsText(c: InvContainer): string {
  return c.published.map((p) => `${p.hostPort}->${p.containerPort}${p.proto === 'tcp' ? '' : `/${p.proto}`}`).join(',');
}

/** One line of the tree, without indentation or marks. */
export function rowLabel(row: TreeRow): string {
  switch (row.kind) {
    case 'backend':
      return `${BACKEND_TITLE[row.backend]}${row.error ? `: ${row.error}` : ''}`;
    case 'network': {
      const n = row.network;
      return n ? [n.name, n.subnet ?? n.driver, n.bridge ?? ''].filter(Boolean).join(' ') : row.name;
    }
    case 'container': {
      const c = row.container;
      const addr = row.endpoint?.ipv4 ?? c.networkMode;
      const service = c.compose ? `(${serviceLabel(c.compose)})` : '';
      return [c.name, service, addr, shortPortsText(c), c.running ? '' : '(stopped)'].filter(Boolean).join(' ');
    }
  }
}

/** Every known address -> container name, for capture lines (`172.18.0.3(db)`), as capture --names does. */
export function addressNames(snapshots: readonly InventorySnapshot[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of snapshots) for (const c of s.containers) for (const e of c.endpoints) if (e.ipv4) names.set(e.ipv4, c.name);
  return names;
}

/** The host devices a capture on this row opens: a network's bridge, a container's veth host ends. */
export function captureInterfaces(row: TreeRow): { device: string; label: string }[] | string {
  if (row.kind === 'network') {
    const bridge = row.network?.bridge;
    return bridge ? [{ device: bridge, label: bridge }] : `network ${row.name} has no bridge on the host to capture on`;
  }
  if (row.kind === 'container') {
    const c = row.container;
    const ifs = c.endpoints.filter((e) => e.hostIf).map((e) => ({ device: e.hostIf!, label: `${c.name}:${e.network}` }));
    return ifs.length ? ifs : `container ${c.name} has no veth on the host (network mode ${c.networkMode})`;
  }
  return 'select a network or a container to capture on';
}
