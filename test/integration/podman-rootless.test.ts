import { expect, it } from 'vitest';
import { uniqueRunId } from '../helpers/docker.js';
import { EngineCli, checkIn } from '../helpers/docker-cli.js';
import { PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, describeWithRootlessPodman, podman, podmanSuiteObjects, type PodmanEngine } from '../helpers/podman.js';

/**
 * The doctor on a real rootless Podman (`scripts/podman-engine --rootless up`:
 * user tsdiag-rootless, slirp4netns, netavark in its rootless netns): known
 * from the API, it says once what it cannot probe and why, runs the checks
 * that read only the containers' namespaces (reached through their
 * /run/user/UID/netns files), and skips the host-side ones instead of judging
 * the wrong namespace (podman1 and its firewall are not in the engine's).
 */
describeWithRootlessPodman('doctor --backend podman on rootless Podman', (engine: PodmanEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, web: `${runId}-web`, db: `${runId}-db` };
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine, 'CONTAINER_HOST');
  podmanSuiteObjects(engine, runId, async () => {
    await podman(engine, ['network', 'create', ...label, n.app]);
    await podman(engine, ['run', '-d', '--name', n.db, ...label, ...ULIMITS, '--network', n.app, '-p', '15432:5432', PODMAN_IMAGE, 'httpd', '-f', '-p', '5432']);
    await podman(engine, ['run', '-d', '--name', n.web, ...label, ...ULIMITS, '--network', n.app, PODMAN_IMAGE, 'sleep', '3600']);
  }, () => cli.dispose());

  it('one note says what is out of reach and why; container-side checks pass, the host side is skipped, nothing fails', async () => {
    const res = await cli.run(['doctor', n.web, n.db, '--backend', 'podman', '--port', '5432', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { unprobed?: string; checks: Array<{ id: string; status: string; summary: string }> };
    expect(report.unprobed).toMatch(/^rootless Podman \(uid \d+, slirp4netns \d+\.\d+\.\d+\): the bridges, netavark's firewall and aardvark-dns are in the user's rootless network namespace \/run\/user\/\d+\/netns\/rootless-netns-[0-9a-f]+, reached through slirp4netns, and a published port is held by rootlessport, not DNAT: the host's side of the path is not probed$/);
    for (const id of ['topology.exists', 'topology.common-network', 'dns.embedded', 'dns.resolve-peer', 'reach.icmp', 'reach.tcp', 'app.listen']) {
      expect(checkIn(report as never, id).status, id).toBe('pass');
    }
    // rootlessport holds 15432 in the engine's namespace: the rootful reading would call it a conflict
    for (const id of ['ports.conflict', 'fw.chains-intact', 'kernel.ip-forward', 'link.master', 'path.mtu']) {
      expect(checkIn(report as never, id).summary, id).toMatch(/^not probed: it reads the host's side of the path/);
    }
    const text = await cli.run(['doctor', n.web, n.db, '--backend', 'podman']);
    expect(text.stdout).toContain(`note: ${report.unprobed}`);
  });

  it("aardvark-dns in the user's rootless netns answers the other way too, through db's namespace", async () => {
    const ok = await cli.run(['doctor', n.db, n.web, '--backend', 'podman', '--json', '--check', '^dns\\.resolve-peer$']);
    const c = checkIn(JSON.parse(ok.stdout), 'dns.resolve-peer');
    expect(c.status, JSON.stringify(c)).toBe('pass');
    expect(c.summary).toMatch(new RegExp(`^${n.web} resolves to 10\\.`));
  });
});
