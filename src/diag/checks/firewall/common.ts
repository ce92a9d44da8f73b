import type { Verdict } from '../../check.js';
import { onHost, type FixTarget } from '../../fixes.js';

/** What every fw.* check needs first: both containers, on a shared network. */
export const PAIR_CHECKS = ['topology.exists', 'topology.common-network'];

/** The one rule that lets a bridge's own traffic through FORWARD, as Docker's bridge driver puts it. */
export function acceptBridgeFix(t: FixTarget, bridge: string, tool: 'iptables' | 'ip6tables' = 'iptables'): string {
  return onHost(t, `${tool} -I FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
}

/** Two families' verdicts as one: what fails or warns is told (both when both do), passes side by side. */
export function bothFamilies(v4: Verdict, v6: Verdict | null): Verdict {
  if (!v6) return v4;
  const evidence = [...v4.evidence, ...v6.evidence];
  const worst = [v4, v6].some((v) => v.status === 'fail') ? 'fail' : [v4, v6].some((v) => v.status === 'warn') ? 'warn' : null;
  if (!worst) return { ...v4, summary: `${v4.summary}; ${v6.summary}`, evidence };
  const told = [v4, v6].filter((v) => v.status === worst);
  const fixes = [...new Set(told.map((v) => v.fix).filter((x): x is string => !!x))];
  return { ...told[0]!, summary: told.map((v) => v.summary).join('; '), evidence, ...(fixes.length && { fix: fixes.join(' && ') }) };
}

export const joinOnHost = (t: FixTarget, cmds: string[]) => cmds.map((c) => onHost(t, c)).join(' && ');

/**
 * netavark puts every running container's rules back. A local command (the
 * remote client has no reload), run with nsenter: `ip netns exec` hides the
 * cgroup mounts podman needs.
 */
export const podmanReload = (t: FixTarget) => `${t.hostNetns ? `nsenter --net=/run/netns/${t.hostNetns} ` : ''}podman network reload --all`;
