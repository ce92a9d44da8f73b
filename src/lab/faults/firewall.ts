import { run } from '../../netcore/kernel/exec.js';
import { syncFirewall } from '../../netcore/bridge/firewall/apply.js';
import { CHAINS } from '../../netcore/bridge/firewall/rules.js';
import { readState } from '../../netcore/bridge/state/store.js';
import type { Fault, Lab } from '../types.js';

/** iptables (or iptables-legacy) in the lab's host namespace; `tolerant`: the rule may already be gone. */
function iptables(lab: Lab, args: string[], opts: { binary?: string; tolerant?: boolean } = {}) {
  return run(opts.binary ?? 'iptables', ['-w', ...args], { netns: lab.name, reject: !opts.tolerant });
}

/** Puts tsdiag's chains and jumps back as the state wants them. */
async function restoreFirewall(lab: Lab): Promise<void> {
  await syncFirewall(lab.name, await readState(lab.host));
}

const dropPort = (lab: Lab) => ['-p', 'tcp', '--dport', String(lab.port), '-j', 'DROP'];

/**
 * S6: FORWARD policy DROP, bridged traffic handed to iptables, and nothing
 * accepting the bridge: what a host firewall script (`iptables -F FORWARD;
 * iptables -P FORWARD DROP`, or a fresh dockerd) does to a bridge it does not
 * know. Both jumps go, so that restoring them puts them back in order.
 */
export const s6ForwardPolicyDrop: Fault = {
  id: 'S6',
  check: 'fw.forward-policy',
  description: 'FORWARD policy DROP with bridge-nf-call-iptables=1 and no ACCEPT for the bridge',
  async apply(lab) {
    await run('sysctl', ['-w', 'net.bridge.bridge-nf-call-iptables=1'], { netns: lab.name });
    await iptables(lab, ['-P', 'FORWARD', 'DROP']);
    await iptables(lab, ['-F', 'FORWARD']);
  },
  async heal(lab) {
    await iptables(lab, ['-P', 'FORWARD', 'ACCEPT']);
    await restoreFirewall(lab);
  },
};

/** S7: a user rule in TSDIAG-USER (tsdiag's DOCKER-USER) drops db's port. */
export const s7UserRuleDrop: Fault = {
  id: 'S7',
  check: 'fw.rule-drop',
  description: `iptables -I ${CHAINS.user} -p tcp --dport <db port> -j DROP`,
  async apply(lab) {
    await iptables(lab, ['-I', CHAINS.user, ...dropPort(lab)]);
  },
  async heal(lab) {
    await iptables(lab, ['-D', CHAINS.user, ...dropPort(lab)], { tolerant: true });
  },
};

/** S8: a firewall reload flushed nat POSTROUTING: the jump to TSDIAG-POSTROUTING (and its MASQUERADE) is gone. */
export const s8NatFlushed: Fault = {
  id: 'S8',
  check: 'fw.chains-intact',
  description: 'iptables -t nat -F POSTROUTING',
  async apply(lab) {
    await iptables(lab, ['-t', 'nat', '-F', 'POSTROUTING']);
  },
  async heal(lab) {
    await restoreFirewall(lab);
  },
};

/** S9: a DROP added with iptables-legacy while iptables (and tsdiag) use nft: both backends' hooks run, only one is read. */
export const s9LegacyDrop: Fault = {
  id: 'S9',
  check: 'fw.backend',
  description: 'iptables-legacy -I FORWARD -p tcp --dport <db port> -j DROP, beside the nft rules',
  async apply(lab) {
    await iptables(lab, ['-I', 'FORWARD', ...dropPort(lab)], { binary: 'iptables-legacy' });
  },
  async heal(lab) {
    // the legacy tables stay (a namespace cannot unload them), empty: fw.backend passes on empty tables
    await iptables(lab, ['-D', 'FORWARD', ...dropPort(lab)], { binary: 'iptables-legacy', tolerant: true });
  },
};
