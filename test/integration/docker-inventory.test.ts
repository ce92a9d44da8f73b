import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerInventory } from '../../src/diag/inventory/docker.js';
import type { InvContainer, InvNetwork } from '../../src/diag/inventory/types.js';
import { run } from '../../src/netcore/kernel/exec.js';
import {
  TEST_IMAGE,
  TEST_RUN_LABEL,
  describeWithEngine,
  docker,
  removeRunObjects,
  uniqueRunId,
  type DockerEngine,
} from '../helpers/docker.js';

describeWithEngine('DockerInventory against a real engine', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const names = {
    app: `${runId}-app`,
    db: `${runId}-db`,
    web: `${runId}-web`,
    plain: `${runId}-plain`,
    pub: `${runId}-pub`,
  };
  // a port of the engine's own namespace: nothing else binds there
  const publishedPort = 20_000 + Math.floor(Math.random() * 10_000);
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  let containers: InvContainer[] = [];
  let networks: InvNetwork[] = [];

  const container = (name: string): InvContainer => {
    const found = containers.find((c) => c.name === name);
    if (!found) throw new Error(`container ${name} is not in the inventory`);
    return found;
  };
  const network = (name: string): InvNetwork => {
    const found = networks.find((n) => n.name === name);
    if (!found) throw new Error(`network ${name} is not in the inventory`);
    return found;
  };
  const linkInEngineHost = async (ifname: string) => {
    const { stdout } = await run('ip', ['-n', engine.netns, '-j', 'link', 'show', ifname]);
    return (JSON.parse(stdout) as Array<{ ifname: string; master?: string }>)[0]!;
  };
  const eth0Inside = async (c: InvContainer) => {
    const { stdout } = await run('ip', ['-j', 'addr', 'show', 'eth0'], { netnsPath: c.netnsPath });
    const link = (JSON.parse(stdout) as Array<{ address: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>)[0]!;
    const inet = link.addr_info.find((a) => a.family === 'inet')!;
    return { mac: link.address, ipv4: inet.local, prefixLen: inet.prefixlen };
  };

  beforeAll(async () => {
    try {
      await docker(engine, ['network', 'create', ...label, names.app]);
      const runDetached = (name: string, args: string[]) => docker(engine, ['run', '-d', '--name', name, ...label, ...args]);
      await runDetached(names.db, ['--network', names.app, '--network-alias', 'db', TEST_IMAGE, 'httpd', '-f', '-p', '5432']);
      await runDetached(names.web, ['--network', names.app, TEST_IMAGE, 'sleep', '3600']);
      await runDetached(names.plain, [TEST_IMAGE, 'sleep', '3600']);
      await runDetached(names.pub, ['--network', names.app, '-p', `${publishedPort}:80`, TEST_IMAGE, 'httpd', '-f', '-p', '80']);
      const inventory = new DockerInventory({ dockerHost: engine.host, hostNetns: engine.netns });
      [containers, networks] = await Promise.all([inventory.listContainers(), inventory.listNetworks()]);
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });

  afterAll(async () => {
    await removeRunObjects(engine, runId);
  });

  it('is available', async () => {
    expect(await new DockerInventory({ dockerHost: engine.host }).available()).toBe(true);
  });

  it('lists the running containers with pid, namespace file and network mode', () => {
    for (const name of [names.db, names.web, names.plain, names.pub]) {
      const c = container(name);
      expect(c.backend).toBe('docker');
      expect(c.id).toMatch(/^[0-9a-f]{64}$/);
      expect(c.running).toBe(true);
      expect(c.pid).toBeGreaterThan(0);
      expect(c.netnsPath).toBe(`/proc/${c.pid}/ns/net`);
      expect(existsSync(c.netnsPath!)).toBe(true);
    }
    expect(container(names.web).networkMode).toBe(names.app);
    expect(container(names.plain).networkMode).toBe('bridge');
  });

  it('gives each endpoint the address and MAC the container really has', async () => {
    const app = network(names.app);
    for (const name of [names.db, names.web, names.pub]) {
      const c = container(name);
      expect(c.endpoints.map((e) => e.network)).toEqual([names.app]);
      const ep = c.endpoints[0]!;
      expect(ep.networkId).toBe(app.id);
      expect(await eth0Inside(c)).toEqual({ mac: ep.mac, ipv4: ep.ipv4, prefixLen: ep.prefixLen });
    }
    const plain = container(names.plain).endpoints;
    expect(plain.map((e) => e.network)).toEqual(['bridge']);
    expect(await eth0Inside(container(names.plain))).toEqual({ mac: plain[0]!.mac, ipv4: plain[0]!.ipv4, prefixLen: plain[0]!.prefixLen });
  });

  it('reports network-scoped aliases', () => {
    expect(container(names.db).endpoints[0]!.aliases).toContain('db');
    expect(container(names.web).endpoints[0]!.aliases).not.toContain('db');
  });

  it("finds the host end of each veth, attached to its network's bridge in the engine's namespace", async () => {
    for (const name of [names.db, names.web, names.plain, names.pub]) {
      const c = container(name);
      const ep = c.endpoints[0]!;
      expect(ep.hostIf, `${name} hostIf`).toMatch(/^veth/);
      const link = await linkInEngineHost(ep.hostIf!);
      expect(link.master).toBe(network(ep.network).bridge);
    }
  });

  it('reports published ports', () => {
    expect(container(names.pub).published).toEqual([
      { hostIp: '0.0.0.0', hostPort: publishedPort, containerPort: 80, proto: 'tcp' },
    ]);
    expect(container(names.web).published).toEqual([]);
  });

  it("points at the container's resolver file on the host", () => {
    const path = container(names.web).resolvConfPath!;
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/^nameserver 127\.0\.0\.11$/m);
  });

  it('lists the networks with their bridge device, subnet and gateway', async () => {
    const app = network(names.app);
    const inspected = JSON.parse((await docker(engine, ['network', 'inspect', names.app])).stdout) as Array<{
      Id: string;
      IPAM: { Config: Array<{ Subnet: string; Gateway: string }> };
    }>;
    expect(app).toMatchObject({
      backend: 'docker',
      id: inspected[0]!.Id,
      driver: 'bridge',
      subnet: inspected[0]!.IPAM.Config[0]!.Subnet,
      gateway: inspected[0]!.IPAM.Config[0]!.Gateway,
      internal: false,
      bridge: `br-${inspected[0]!.Id.slice(0, 12)}`,
      isDefault: false,
    });
    const bridge = network('bridge');
    expect(bridge).toMatchObject({ driver: 'bridge', bridge: 'docker0', isDefault: true, mtu: 1500 });
    expect(bridge.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const n of [app, bridge]) expect((await linkInEngineHost(n.bridge!)).ifname).toBe(n.bridge);
    expect(network('host')).toMatchObject({ driver: 'host', bridge: null, isDefault: false });
  });

  it("runs for real: Docker's embedded DNS answers for db on the user-defined network", async () => {
    const { stdout } = await docker(engine, ['exec', names.web, 'nslookup', 'db', '127.0.0.11']);
    expect(stdout).toContain(`Address: ${container(names.db).endpoints[0]!.ipv4}`);
  });
});
