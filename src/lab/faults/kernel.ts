import { run } from '../../netcore/kernel/exec.js';
import { CHAINS } from '../../netcore/bridge/firewall/rules.js';
import { readState } from '../../netcore/bridge/state/store.js';
import type { Fault, Lab } from '../types.js';

const sysctl = (lab: Lab, key: string, value: string) => run('sysctl', ['-w', `${key}=${value}`], { netns: lab.name });

/** S10: IPv4 forwarding off in the host namespace: web -> db (same bridge) still works, routing does not. */
export const s10IpForwardOff: Fault = {
  id: 'S10',
  check: 'kernel.ip-forward',
  description: 'sysctl -w net.ipv4.ip_forward=0 in the host namespace',
  async apply(lab) {
    await sysctl(lab, 'net.ipv4.ip_forward', '0');
  },
  async heal(lab) {
    await sysctl(lab, 'net.ipv4.ip_forward', '1');
  },
};

/**
 * The rule that keeps app's containers off one port of each other (a
 * cache no container may reach): isolation within one bridge, which only
 * works while bridged traffic goes through iptables.
 */
const ISOLATED_PORT = '6379';
async function isolationRule(lab: Lab): Promise<string[]> {
  const br = (await readState(lab.host)).networks.app?.device;
  if (!br) throw new Error('S11 needs network app');
  return [CHAINS.user, '-i', br, '-o', br, '-p', 'tcp', '--dport', ISOLATED_PORT, '-j', 'DROP'];
}

/**
 * S11, the reverse of S6: isolation configured in iptables, but
 * bridge-nf-call-iptables=0, so traffic within the bridge never meets it.
 * (br_netfilter is built into this kernel and cannot be unloaded; the
 * per-namespace sysctl has the same effect.)
 */
export const s11BridgeBypassesIptables: Fault = {
  id: 'S11',
  check: 'kernel.br-netfilter',
  description: `isolation rule (-i br -o br --dport ${ISOLATED_PORT} -j DROP) with bridge-nf-call-iptables=0`,
  async apply(lab) {
    await run('iptables', ['-w', '-I', ...(await isolationRule(lab))], { netns: lab.name });
    await sysctl(lab, 'net.bridge.bridge-nf-call-iptables', '0');
  },
  async heal(lab) {
    await run('iptables', ['-w', '-D', ...(await isolationRule(lab))], { netns: lab.name, reject: false });
    await sysctl(lab, 'net.bridge.bridge-nf-call-iptables', '1');
  },
};
