import { createNetwork, removeNetwork } from '../../netcore/bridge/networks.js';
import { startLabContainers, stopLabContainers } from '../setup.js';
import type { Fault } from '../types.js';

/** S2: db on network `b`, web on network `a` (a renamed compose project, say). */
export const s2NoSharedNetwork: Fault = {
  id: 'S2',
  check: 'topology.common-network',
  description: 'db on network b, web on network a',
  async apply(lab) {
    await stopLabContainers(lab);
    await createNetwork(lab.host, { name: 'a' });
    await createNetwork(lab.host, { name: 'b' });
    await startLabContainers(lab, { network: 'a', dbNetwork: 'b' });
  },
  async heal(lab) {
    await stopLabContainers(lab);
    await removeNetwork(lab.host, 'a');
    await removeNetwork(lab.host, 'b');
    await startLabContainers(lab);
  },
};

/** S1: db and web only on the default bridge, where no container name resolves. */
export const s1DefaultBridgeOnly: Fault = {
  id: 'S1',
  check: 'dns.embedded',
  description: 'web and db only on the default bridge (no embedded DNS)',
  async apply(lab) {
    await stopLabContainers(lab);
    await startLabContainers(lab, { network: 'bridge' });
  },
  async heal(lab) {
    await stopLabContainers(lab);
    await startLabContainers(lab);
  },
};
