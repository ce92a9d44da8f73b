import { describe, expect, it } from 'vitest';
import { remoteContainer } from '../../../../src/diag/inventory/swarm-peer.js';
import type { SwarmView } from '../../../../src/diag/inventory/types.js';

const view: SwarmView = {
  state: 'active', self: '10.99.0.1', dataPort: 4789, members: [{ address: '10.99.0.2', manager: false }],
  overlays: [
    { network: 'ovl', vnis: [4097], nodes: ['10.99.0.1', '10.99.0.2'], endpoints: [{ name: 'web', ipv4: '10.0.1.2', node: '10.99.0.1' }, { name: 'db', ipv4: '10.0.1.4', node: '10.99.0.2' }] },
    { network: 'back', vnis: [4098], nodes: ['10.99.0.1', '10.99.0.2'], endpoints: [{ name: 'db', ipv4: '10.0.2.4', node: '10.99.0.2' }] },
  ],
};

describe('a peer on another swarm node', () => {
  it('is found on the overlays that list it, with its node and an address on each', () => {
    expect(remoteContainer(view, 'db')).toMatchObject({
      name: 'db', running: true, netnsPath: null, node: '10.99.0.2', status: 'running on swarm node 10.99.0.2',
      endpoints: [{ network: 'back', ipv4: '10.0.2.4' }, { network: 'ovl', ipv4: '10.0.1.4' }],
    });
  });
  it('is not found when it runs on this node (the local inventory has it) or nowhere', () => {
    expect(remoteContainer(view, 'web')).toBeNull();
    expect(remoteContainer(view, 'nobody')).toBeNull();
  });
});
