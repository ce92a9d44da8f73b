import { validateIfName } from '../../../netcore/validate.js';
import { inContainer, onHost, type ContainerFixTarget } from '../../fixes.js';
import { nftDeleteRuleArgs } from '../../host-reader.js';
import type { DoctorContext } from '../../context.js';
import { iptablesBinaryOf, type NamedDrop } from './nft-drops.js';
import { fixTargetOf, sharedBridge } from './probe.js';
import { deleteRulesCommands } from './rules.js';

/** Where fixes run: the host namespace, or a container's (tsdiag's own through `tsdiag exec`, Docker's through nsenter). */
export interface DropFixTarget extends ContainerFixTarget {
  /** the bridge both containers are on (a forward policy's fix accepts its traffic) */
  bridge: string | null;
}

export function dropFixTargetOf(ctx: DoctorContext): DropFixTarget {
  const pair = [ctx.target.from, ctx.target.to].filter((c) => c !== null);
  return { ...fixTargetOf(ctx), pids: Object.fromEntries(pair.map((c) => [c.name, c.pid])), bridge: sharedBridge(ctx) };
}

export function commandIn(t: DropFixTarget, where: string, cmd: string): string {
  return where === 'host' ? onHost(t, cmd) : inContainer(t, where, cmd);
}

/**
 * A dropping policy: on the host's forward hook, a rule accepting the
 * bridge's own traffic (the rest of the policy stays); elsewhere the policy
 * set to accept.
 */
function policyFix(t: DropFixTarget, d: NamedDrop): string {
  // family, table and chain as deleteRuleArgs validates them
  const chain = nftDeleteRuleArgs({ family: d.family, table: d.table, chain: d.chain, handle: 1 }).slice(2, 5).join(' ');
  if (d.where === 'host' && d.hook === 'forward' && t.bridge) {
    const br = validateIfName(t.bridge);
    return `nft insert rule ${chain} iifname ${br} oifname ${br} accept`;
  }
  return `nft chain ${chain} '{ policy accept; }'`;
}

/** The commands that remove each drop, joined with &&: iptables -D for iptables' rules (highest position first), nft for the rest. */
export function dropFixes(t: DropFixTarget, drops: NamedDrop[]): string {
  const cmds = ['iptables', 'ip6tables'].flatMap((binary) => {
    const ipt = drops.filter((d) => d.iptables && iptablesBinaryOf(d) === binary);
    return deleteRulesCommands(ipt.map((d) => ({ table: d.table, chain: d.chain, position: d.iptables!.position })), binary).map((c) => onHost(t, c));
  });
  for (const d of drops) {
    if (d.iptables) continue;
    const cmd = d.kind === 'policy' ? policyFix(t, d) : `nft ${nftDeleteRuleArgs({ family: d.family, table: d.table, chain: d.chain, handle: d.handle! }).join(' ')}`;
    cmds.push(commandIn(t, d.where, cmd));
  }
  return cmds.join(' && ');
}
