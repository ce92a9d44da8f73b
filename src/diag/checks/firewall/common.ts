import { onHost, type FixTarget } from '../../fixes.js';

/** What every fw.* check needs first: both containers, on a shared network. */
export const PAIR_CHECKS = ['topology.exists', 'topology.common-network'];

/** The one rule that lets a bridge's own traffic through FORWARD, as Docker's bridge driver puts it. */
export function acceptBridgeFix(t: FixTarget, bridge: string): string {
  return onHost(t, `iptables -I FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
}

export const joinOnHost = (t: FixTarget, cmds: string[]) => cmds.map((c) => onHost(t, c)).join(' && ');

/**
 * netavark puts every running container's rules back. A local command (the
 * remote client has no reload), run with nsenter: `ip netns exec` hides the
 * cgroup mounts podman needs.
 */
export const podmanReload = (t: FixTarget) => `${t.hostNetns ? `nsenter --net=/run/netns/${t.hostNetns} ` : ''}podman network reload --all`;
