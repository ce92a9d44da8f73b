import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerInventory } from '../../src/diag/inventory/docker.js';
import { NativeInventory } from '../../src/diag/inventory/native.js';
import { run } from '../../src/netcore/kernel/exec.js';
import { inventoriesFor } from '../../src/tui/services.js';
import { captureInterfaces, rowLabel } from '../../src/tui/model/tree.js';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { TestSandbox } from '../helpers/sandbox.js';
import { LiveTree } from '../helpers/tui-tree.js';

/**
 * The TUI's tree with both backends, read live: Docker's networks and
 * containers (made here on the test engine: a user-defined network with a
 * published port, and a container on the default bridge) beside tsdiag's own
 * (made in a sandbox host of their own: two state dirs must not share the
 * engine's namespace), with addresses, ports and the host ends of the veths;
 * then the same rows on the rendered screen.
 */
describeWithEngine("the TUI tree: Docker's networks and containers next to tsdiag's own", (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { app: `${runId}-app`, db: `${runId}-db`, web: `${runId}-web`, old: `${runId}-old`, nnet: `${runId}-nnet`, nctr: `${runId}-nctr` };
  const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
  let sb: TestSandbox | null = null;
  let tree: LiveTree | null = null;

  beforeAll(async () => {
    try {
      const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
      await docker(engine, ['network', 'create', ...label, n.app]);
      await docker(engine, ['run', '-d', '--name', n.db, ...label, '--network', n.app, '-p', `${hostPort}:5432`, TEST_IMAGE, 'httpd', '-f', '-p', '5432']);
      await docker(engine, ['run', '-d', '--name', n.web, ...label, '--network', n.app, TEST_IMAGE, 'sleep', '3600']);
      await docker(engine, ['run', '-d', '--name', n.old, ...label, TEST_IMAGE, 'sleep', '3600']);
      sb = await TestSandbox.create('dtui');
      await sb.ok(['network', 'create', n.nnet]);
      await sb.ok(['run', '--name', n.nctr, '--network', n.nnet]);
      const host = { netns: sb.name, stateDir: sb.stateDir };
      const inventories = [new NativeInventory(host), new DockerInventory({ dockerHost: engine.host, hostNetns: engine.netns })];
      tree = await LiveTree.start(inventories);
    } catch (err) {
      await removeRunObjects(engine, runId);
      await sb?.dispose();
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await tree?.close();
      await sb?.dispose();
    } finally {
      await removeRunObjects(engine, runId);
    }
  });

  const rows = () => tree!.rows();
  const row = (key: string) => tree!.row(key);
  const inspect = async (name: string) => JSON.parse((await docker(engine, ['inspect', name])).stdout)[0];

  it('the TUI wires both backends for --backend auto, tsdiag\'s own first', () => {
    const host = { netns: engine.netns, stateDir: sb!.stateDir };
    expect(inventoriesFor('auto', host, { DOCKER_HOST: engine.host }).map((i) => i.backend)).toEqual(['native', 'docker']);
    expect(inventoriesFor('docker', host, { DOCKER_HOST: engine.host }).map((i) => i.backend)).toEqual(['docker']);
  });

  it("Docker's backend row follows tsdiag's own, each with its networks and containers", () => {
    const backends = rows().filter((r) => r.kind === 'backend');
    expect(backends.map((r) => [r.backend, r.kind === 'backend' && r.error])).toEqual([['native', null], ['docker', null]]);
    const dockerAt = rows().findIndex((r) => r.key === 'docker');
    expect(rows().findIndex((r) => r.key === `native/ctr/${n.nctr}@${n.nnet}`)).toBeLessThan(dockerAt);
    expect(rows().findIndex((r) => r.key === `docker/net/${n.app}`)).toBeGreaterThan(dockerAt);
    expect(rowLabel(row(`native/ctr/${n.nctr}@${n.nnet}`))).toMatch(new RegExp(`^${n.nctr} 172\\.\\d+\\.\\d+\\.\\d+$`));
  });

  it("Docker's user network and its containers: subnet, bridge, addresses, the published port, the veths on the engine's host", async () => {
    const net = JSON.parse((await docker(engine, ['network', 'inspect', n.app])).stdout)[0];
    const app = row(`docker/net/${n.app}`);
    expect(rowLabel(app)).toBe(`${n.app} ${net.IPAM.Config[0].Subnet} br-${net.Id.slice(0, 12)}`);
    expect(app.kind === 'network' && app.members.map((c) => c.name)).toEqual([n.db, n.web]);
    for (const name of [n.db, n.web]) {
      const c = await inspect(name);
      const ports = name === n.db ? ` ${hostPort}->5432` : '';
      const r = row(`docker/ctr/${name}@${n.app}`);
      expect(rowLabel(r)).toBe(`${name} ${c.NetworkSettings.Networks[n.app].IPAddress}${ports}`);
      const ifs = captureInterfaces(r);
      expect(Array.isArray(ifs) && ifs.map((i) => i.label)).toEqual([`${name}:${n.app}`]);
      const device = (ifs as Array<{ device: string }>)[0]!.device;
      const link = await run('ip', ['-n', engine.netns, '-j', 'link', 'show', 'dev', device]);
      expect(JSON.parse(link.stdout)[0].master).toBe(`br-${net.Id.slice(0, 12)}`);
    }
  });

  it("a container on Docker's default bridge shows under bridge (docker0)", async () => {
    const c = await inspect(n.old);
    expect(rowLabel(row('docker/net/bridge'))).toMatch(/^bridge 172\.17\.0\.0\/16 docker0$/);
    expect(rowLabel(row(`docker/ctr/${n.old}@bridge`))).toBe(`${n.old} ${c.NetworkSettings.Networks.bridge.IPAddress}`);
  });

  it('the rendered tree shows the same rows, and the details of a selected Docker container', async () => {
    const frame = await tree!.frameWithSelected(`docker/ctr/${n.db}@${n.app}`);
    const ip = (await inspect(n.db)).NetworkSettings.Networks[n.app].IPAddress as string;
    // the tree pane cuts long rows at its width; the details pane has the rest
    expect(frame).toMatch(/│Docker +│/);
    expect(frame).toContain(`│   ${n.db} ${ip} `);
    expect(frame).toContain(`│   ${n.nctr} 172.`);
    expect(frame).toMatch(new RegExp(`container +${n.db} \\(docker\\)`));
    expect(frame).toMatch(new RegExp(`ports +${hostPort}->5432/tcp`));
    expect(frame).toContain(`endpoint     ${n.app}: ${ip}/`);
  });
});
