import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootlessFromInfo, rootlessLimits, type LibpodInfo } from '../../../../src/diag/inventory/podman-rootless.js';
import { stillApplies } from '../../../../src/diag/unprobed.js';

// recorded from the rootless Podman 4.3.1 of `scripts/podman-engine --rootless up` (GET /v4.0.0/libpod/info, trimmed)
const info = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../../fixtures/podman/libpod-info-rootless.json'), 'utf8')) as LibpodInfo;

describe('rootless Podman from /libpod/info', () => {
  it('a rootful answer is not rootless', async () => {
    expect(await rootlessFromInfo({ host: { security: { rootless: false }, networkBackend: 'netavark' } })).toBeNull();
  });

  it('rootless: the uid podman maps root to, slirp4netns with its version, aardvark-dns under the user runRoot', async () => {
    const r = (await rootlessFromInfo(info))!;
    expect(r).toMatchObject({ uid: 1002, networkTool: 'slirp4netns 1.2.0', networkBackend: 'netavark', aardvarkDir: '/run/user/1002/containers/networks/aardvark-dns' });
  });

  it('pasta when the API names it; the uid from the socket path when no id mappings are given', async () => {
    const r = (await rootlessFromInfo({ host: { security: { rootless: true }, pasta: { executable: '/usr/bin/pasta', version: 'pasta 2023_12_30.f091893' }, remoteSocket: { path: 'unix:///run/user/4242/podman/podman.sock' } } }))!;
    expect(r.uid).toBe(4242);
    expect(r.networkTool).toBe('pasta');
    expect(rootlessLimits({ ...r, rootlessNetns: null })).toMatch(/rootless network namespace \/run\/user\/4242\/netns\/rootless-netns-\*, reached through pasta, and a published port is held by rootlessport, not DNAT/);
  });

  it('only the checks that read the containers own namespaces still apply', () => {
    const kept = ['topology.exists', 'topology.common-network', 'dns.embedded', 'dns.resolve-peer', 'reach.icmp', 'reach.tcp', 'app.listen'];
    for (const id of kept) expect(stillApplies({ id })).toBe(true);
    for (const id of ['link.master', 'dns.upstream', 'path.mtu', 'fw.forward-policy', 'kernel.ip-forward', 'ports.conflict', 'ipam.overlap']) expect(stillApplies({ id })).toBe(false);
  });
});
