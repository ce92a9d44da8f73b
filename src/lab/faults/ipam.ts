import { run } from '../../netcore/kernel/exec.js';
import { formatCidr, parseCidr } from '../../netcore/ipv4.js';
import { readState } from '../../netcore/bridge/state/store.js';
import type { Fault, Lab } from '../types.js';

/**
 * S14: a route in the lab's host namespace for a range inside app's subnet
 * (a VPN pushing 172.18.5.0/24, say) that points out of the uplink. web and
 * db still talk (their addresses are outside the /24); anything of the app
 * network in that /24 is unreachable from the host.
 */
async function overlappingRoute(lab: Lab): Promise<string[]> {
  const state = await readState(lab.host);
  const app = state.networks.app;
  if (!app?.subnet || !state.sandbox) throw new Error('S14 needs network app in a sandbox');
  const subnet = parseCidr(app.subnet);
  // the sixth /24 of the subnet (or a /(prefix+1) half of a smaller one): clear of the first addresses IPAM hands out
  const range = subnet.prefix <= 21 ? { base: subnet.base + 5 * 256, prefix: 24 } : { base: subnet.base + 2 ** (32 - subnet.prefix - 1), prefix: subnet.prefix + 1 };
  return [formatCidr(range), 'via', state.sandbox.outsideAddress];
}

export const s14SubnetOverlap: Fault = {
  id: 'S14',
  check: 'ipam.overlap',
  description: 'a host route for part of app\'s subnet, via the uplink (a VPN route)',
  async apply(lab) {
    await run('ip', ['route', 'add', ...(await overlappingRoute(lab))], { netns: lab.name });
  },
  async heal(lab) {
    await run('ip', ['route', 'del', ...(await overlappingRoute(lab))], { netns: lab.name, reject: false });
  },
};
