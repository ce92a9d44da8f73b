import { onHost, type FixTarget } from '../../fixes.js';

/** What every fw.* check needs first: both containers, on a shared network. */
export const PAIR_CHECKS = ['topology.exists', 'topology.common-network'];

/** The one rule that lets a bridge's own traffic through FORWARD, as Docker's bridge driver puts it. */
export function acceptBridgeFix(t: FixTarget, bridge: string): string {
  return onHost(t, `iptables -I FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
}

export const joinOnHost = (t: FixTarget, cmds: string[]) => cmds.map((c) => onHost(t, c)).join(' && ');
