import { expect, it } from 'vitest';
import { COMPOSE_LABELS } from '../../src/diag/inventory/compose.js';
import { PodmanInventory } from '../../src/diag/inventory/podman.js';
import { inventoriesFor } from '../../src/tui/services.js';
import { captureInterfaces, rowLabel } from '../../src/tui/model/tree.js';
import { uniqueRunId } from '../helpers/docker.js';
import { masterOf } from '../helpers/engine-capture.js';
import { PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, describeWithPodman, podman, podmanSuiteObjects, type PodmanEngine } from '../helpers/podman.js';
import { LiveTree } from '../helpers/tui-tree.js';

/**
 * The TUI's tree with the Podman backend, read live from a real Podman 4.3:
 * a network of its own with two containers labelled as Compose labels them
 * (podman-compose writes Docker's labels), one with a published port, and a
 * container on Podman's default network; their addresses, ports, compose
 * services and the host ends of their veths on the podmanN bridges; then the
 * same rows on the rendered screen.
 */
describeWithPodman('the TUI tree: Podman\'s networks and containers', (engine: PodmanEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, db: `${runId}-db`, web: `${runId}-web`, old: `${runId}-old` };
  const project = runId;
  const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  let tree: LiveTree | null = null;

  const composeLabels = (service: string) => [
    '--label', `${COMPOSE_LABELS.project}=${project}`, '--label', `${COMPOSE_LABELS.service}=${service}`,
    '--label', `${COMPOSE_LABELS.number}=1`];
  const runDetached = (name: string, args: string[]) => podman(engine, ['run', '-d', '--name', name, ...label, ...ULIMITS, ...args]);
  const inspect = async (name: string) => JSON.parse((await podman(engine, ['inspect', name])).stdout)[0];
  const bridgeOf = async (network: string) => (await podman(engine, ['network', 'inspect', '-f', '{{.NetworkInterface}}', network])).stdout.trim();

  podmanSuiteObjects(engine, runId, async () => {
    // DNS off: the tree does not need it, and aardvark-dns is not restarted for this network
    await podman(engine, ['network', 'create', ...label, '--disable-dns', n.app]);
    await runDetached(n.db, ['--network', n.app, ...composeLabels('db'), '-p', `${hostPort}:5432`, PODMAN_IMAGE, 'httpd', '-f', '-p', '5432']);
    await runDetached(n.web, ['--network', n.app, ...composeLabels('web'), PODMAN_IMAGE, 'sleep', '3600']);
    await runDetached(n.old, [PODMAN_IMAGE, 'sleep', '3600']);
    tree = await LiveTree.start([new PodmanInventory({ podmanHost: engine.host, hostNetns: engine.netns })]);
  }, undefined, async () => { await tree?.close(); });

  it('the TUI wires Podman for --backend podman, and for auto when CONTAINER_HOST names a socket', () => {
    const host = { netns: engine.netns, stateDir: '/nonexistent' };
    expect(inventoriesFor('podman', host, { CONTAINER_HOST: engine.host }).map((i) => i.backend)).toEqual(['podman']);
    expect(inventoriesFor('auto', host, { CONTAINER_HOST: engine.host }).map((i) => i.backend)).toEqual(['native', 'docker', 'podman']);
  });

  it("Podman's backend row without an error, its containers with backend podman", () => {
    expect(tree!.rows().filter((r) => r.kind === 'backend').map((r) => [r.backend, r.kind === 'backend' && r.error])).toEqual([['podman', null]]);
    for (const name of [n.db, n.web]) {
      const r = tree!.row(`podman/ctr/${name}@${n.app}`);
      expect(r.kind === 'container' && r.container.backend).toBe('podman');
    }
  });

  it("Podman's network and its compose containers: subnet, podman bridge, project/service, addresses, the published port, the veths on the bridge", async () => {
    const net = JSON.parse((await podman(engine, ['network', 'inspect', n.app])).stdout)[0];
    const bridge = await bridgeOf(n.app);
    expect(bridge).toMatch(/^podman\d+$/);
    const app = tree!.row(`podman/net/${n.app}`);
    expect(rowLabel(app)).toBe(`${n.app} ${net.subnets[0].subnet} ${bridge}`);
    expect(app.kind === 'network' && app.members.map((c) => c.name)).toEqual([n.db, n.web]);
    for (const [name, service] of [[n.db, 'db'], [n.web, 'web']] as const) {
      const ip = (await inspect(name)).NetworkSettings.Networks[n.app].IPAddress as string;
      const ports = name === n.db ? ` ${hostPort}->5432` : '';
      const r = tree!.row(`podman/ctr/${name}@${n.app}`);
      expect(rowLabel(r)).toBe(`${name} (${project}/${service}) ${ip}${ports}`);
      const ifs = captureInterfaces(r);
      expect(Array.isArray(ifs) && ifs.map((i) => i.label)).toEqual([`${name}:${n.app}`]);
      expect(await masterOf(engine.netns, (ifs as Array<{ device: string }>)[0]!.device)).toBe(bridge);
    }
  });

  it("a container without --network shows under Podman's default network podman (podman0), without a compose service", async () => {
    const ip = (await inspect(n.old)).NetworkSettings.Networks.podman.IPAddress as string;
    expect(rowLabel(tree!.row('podman/net/podman'))).toMatch(/^podman \d+\.\d+\.\d+\.\d+\/\d+ podman0$/);
    const r = tree!.row(`podman/ctr/${n.old}@podman`);
    expect(rowLabel(r)).toBe(`${n.old} ${ip}`);
    const ifs = captureInterfaces(r);
    expect(await masterOf(engine.netns, (ifs as Array<{ device: string }>)[0]!.device)).toBe('podman0');
  });

  it('the rendered tree shows the Podman rows with the compose service, and the details of a selected Podman container', async () => {
    const frame = await tree!.frameWithSelected(`podman/ctr/${n.db}@${n.app}`);
    const ip = (await inspect(n.db)).NetworkSettings.Networks[n.app].IPAddress as string;
    // the tree pane cuts long rows at its width; the details pane has the rest
    expect(frame).toMatch(/│Podman +│/);
    expect(frame).toMatch(/│ podman \d+\.\d+\.\d+\.\d+\/\d+ podman0 +│/);
    expect(frame).toContain(`│   ${n.web} (${project.slice(0, 8)}`); // the compose service follows the name (cut at the pane's width)
    expect(frame).toMatch(new RegExp(`container +${n.db} \\(podman\\)`));
    expect(frame).toMatch(new RegExp(`ports +${hostPort}->5432/tcp`));
    expect(frame).toContain(`endpoint     ${n.app}: ${ip}/`);
  });
});
