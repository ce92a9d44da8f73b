import { describe, expect, it } from 'vitest';
import { DockerApi, DockerApiError, socketPathOf } from '../../src/diag/inventory/docker-api.js';
import { DockerInventory, bridgeDeviceOf, publishedPorts } from '../../src/diag/inventory/docker.js';
import { hostEndsByMac, type LinkSummary } from '../../src/netcore/kernel/veth-peer.js';

// No engine needed: an absent socket, and the pure halves of the Docker backend.

const MISSING_SOCKET = 'unix:///run/tsdiag-test-no-such-docker.sock';

describe('Docker API client without an engine', () => {
  it('available() is false for a socket that does not exist, quickly', async () => {
    const started = Date.now();
    expect(await new DockerInventory({ dockerHost: MISSING_SOCKET }).available()).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('says which socket is missing', async () => {
    const inventory = new DockerInventory({ dockerHost: MISSING_SOCKET });
    await expect(inventory.listContainers()).rejects.toThrow(/tsdiag-test-no-such-docker\.sock: no such socket/);
    await expect(new DockerApi({ dockerHost: MISSING_SOCKET }).getJson('/networks')).rejects.toBeInstanceOf(DockerApiError);
  });

  it('accepts only unix:// hosts', () => {
    expect(socketPathOf('unix:///var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(() => socketPathOf('tcp://127.0.0.1:2375')).toThrow(/only unix:/);
  });
});

describe('publishedPorts', () => {
  it('keeps one mapping for the 0.0.0.0 and :: twins of one -p', () => {
    const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '53/udp': null };
    expect(publishedPorts(ports, null)).toEqual([{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' }]);
  });

  it('falls back to the requested bindings of a stopped container, skipping unassigned ports', () => {
    const requested = { '5432/tcp': [{ HostIp: '', HostPort: '15432' }], '9/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] };
    expect(publishedPorts({}, requested)).toEqual([{ hostIp: '0.0.0.0', hostPort: 15432, containerPort: 5432, proto: 'tcp' }]);
  });
});

describe('bridgeDeviceOf', () => {
  const net = (Name: string, Driver = 'bridge', Options: Record<string, string> = {}) => ({
    Id: '0123456789abcdef0123', Name, Driver, Internal: false, IPAM: null, Options,
  });
  it('names docker0, br-<12 hex>, or the explicit option', () => {
    expect(bridgeDeviceOf(net('bridge'))).toBe('docker0');
    expect(bridgeDeviceOf(net('app'))).toBe('br-0123456789ab');
    expect(bridgeDeviceOf(net('app', 'bridge', { 'com.docker.network.bridge.name': 'mybr' }))).toBe('mybr');
    expect(bridgeDeviceOf(net('host', 'host'))).toBeNull();
  });
});

describe('hostEndsByMac', () => {
  const link = (ifindex: number, ifname: string, peerIfindex: number | null, mac: string | null = null): LinkSummary => ({
    ifindex, ifname, mac, peerIfindex, master: null,
  });
  it('pairs a container veth with the host link whose peer points back', () => {
    const inside = [link(1, 'lo', null, '00:00:00:00:00:00'), link(6, 'eth0', 7, '02:42:ac:12:00:03')];
    const host = [link(6, 'vethother', 9), link(7, 'veth123', 6)];
    expect(hostEndsByMac(inside, host)).toEqual(new Map([['02:42:ac:12:00:03', 'veth123']]));
  });
  it('refuses an ifindex match whose peer does not point back (another namespace)', () => {
    expect(hostEndsByMac([link(6, 'eth0', 7, '02:42:ac:12:00:03')], [link(7, 'vethx', 12)]).size).toBe(0);
  });
});
