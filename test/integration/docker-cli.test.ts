import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ContainerRow, NetworkRow } from '../../src/cli/views.js';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { TestSandbox } from '../helpers/sandbox.js';

/**
 * `tsdiag ps` and `tsdiag network ls` list Docker's containers and networks
 * beside tsdiag's own, with the backend of each. tsdiag's own objects live in
 * a sandbox host of their own (two tsdiag state dirs must not share the
 * engine's namespace: each would rewrite the other's firewall chains).
 */
describeWithEngine('ps and network ls with --backend native|docker|auto', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { dockerNet: `${runId}-dnet`, dockerCtr: `${runId}-dctr`, nativeNet: `${runId}-nnet`, nativeCtr: `${runId}-nctr` };
  const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
  let sb: TestSandbox | null = null;

  const tsdiag = (args: string[], dockerHost = engine.host) => sb!.cli(args, { env: { DOCKER_HOST: dockerHost } });
  const listJson = async <R>(args: string[]): Promise<R[]> => {
    const res = await tsdiag([...args, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as R[];
  };
  const ours = <R extends { name: string }>(rows: R[]) => rows.filter((r) => r.name.startsWith(runId));

  beforeAll(async () => {
    try {
      const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
      await docker(engine, ['network', 'create', ...label, n.dockerNet]);
      await docker(engine, ['run', '-d', '--name', n.dockerCtr, ...label, '--network', n.dockerNet, '-p', `${hostPort}:80`, TEST_IMAGE, 'sleep', '3600']);
      sb = await TestSandbox.create('dcli');
      await sb.ok(['network', 'create', n.nativeNet]);
      await sb.ok(['run', '--name', n.nativeCtr, '--network', n.nativeNet]);
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await sb?.dispose();
    } finally {
      await removeRunObjects(engine, runId);
    }
  });

  it("ps (auto): tsdiag's container first, then Docker's, each with its backend", async () => {
    const rows = ours(await listJson<ContainerRow>(['ps']));
    expect(rows.map((r) => [r.name, r.backend])).toEqual([[n.nativeCtr, 'native'], [n.dockerCtr, 'docker']]);
    const dockerRow = rows[1]!;
    const inspected = JSON.parse((await docker(engine, ['inspect', n.dockerCtr])).stdout)[0];
    expect(dockerRow).toMatchObject({
      id: inspected.Id, status: 'running', pid: inspected.State.Pid, networks: [n.dockerNet],
      addresses: [inspected.NetworkSettings.Networks[n.dockerNet].IPAddress], ports: [`0.0.0.0:${hostPort}->80/tcp`],
      netns: `/proc/${inspected.State.Pid}/ns/net`, command: 'sleep 3600',
    });
    expect(rows[0]).toMatchObject({ networks: [n.nativeNet], netns: sb!.containerNetns(n.nativeCtr) });
  });

  it('ps --backend native and --backend docker list one backend each', async () => {
    expect(ours(await listJson<ContainerRow>(['ps', '--backend', 'native'])).map((r) => r.name)).toEqual([n.nativeCtr]);
    const dockerOnly = await listJson<ContainerRow>(['ps', '--backend', 'docker']);
    expect(dockerOnly.every((r) => r.backend === 'docker')).toBe(true);
    expect(ours(dockerOnly).map((r) => r.name)).toEqual([n.dockerCtr]);
  });

  it('ps as a table has a BACKEND column', async () => {
    const res = await tsdiag(['ps']);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+NAME\s+BACKEND\s+STATUS\s+NETWORKS/);
    expect(lines.find((l) => l.includes(n.dockerCtr))).toMatch(new RegExp(`${n.dockerCtr}\\s+docker\\s+running\\s+${n.dockerNet}`));
    expect(lines.find((l) => l.includes(n.nativeCtr))).toMatch(new RegExp(`${n.nativeCtr}\\s+native\\s+`));
  });

  it("network ls (auto): Docker's networks beside tsdiag's, with bridge device and container count", async () => {
    const rows = await listJson<NetworkRow>(['network', 'ls']);
    const inspected = JSON.parse((await docker(engine, ['network', 'inspect', n.dockerNet])).stdout)[0];
    expect(rows.find((r) => r.name === n.dockerNet)).toEqual({
      backend: 'docker', id: inspected.Id, name: n.dockerNet, driver: 'bridge', scope: 'local',
      subnet: inspected.IPAM.Config[0].Subnet, gateway: inspected.IPAM.Config[0].Gateway,
      device: `br-${inspected.Id.slice(0, 12)}`, internal: false, containers: 1,
    });
    expect(rows.find((r) => r.name === n.nativeNet)).toMatchObject({ backend: 'native', driver: 'bridge', containers: 1 });
    expect(rows.find((r) => r.name === 'bridge' && r.backend === 'docker')).toMatchObject({ device: 'docker0' });
    const table = (await tsdiag(['network', 'ls'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NETWORK ID\s+NAME\s+BACKEND\s+DRIVER\s+SUBNET\s+BRIDGE$/);
    expect(table.find((l) => l.includes(n.dockerNet))).toMatch(new RegExp(`${n.dockerNet}\\s+docker\\s+bridge\\s+${inspected.IPAM.Config[0].Subnet}`));
  });

  it('network ls --backend native and docker list one backend each', async () => {
    const native = await listJson<NetworkRow>(['network', 'ls', '--backend', 'native']);
    expect(native.every((r) => r.backend === 'native')).toBe(true);
    expect(native.map((r) => r.name)).toContain(n.nativeNet);
    const dockerRows = await listJson<NetworkRow>(['network', 'ls', '--backend', 'docker']);
    expect(dockerRows.every((r) => r.backend === 'docker')).toBe(true);
    expect(dockerRows.map((r) => r.name)).toEqual(expect.arrayContaining([n.dockerNet, 'bridge', 'host', 'none']));
  });

  it('without an engine: auto lists tsdiag\'s own only; --backend docker says no engine answers (exit 2)', async () => {
    const nowhere = `unix:///run/${runId}-absent.sock`;
    const auto = await tsdiag(['ps', '--json'], nowhere);
    expect(auto.exitCode).toBe(0);
    expect((JSON.parse(auto.stdout) as ContainerRow[]).map((r) => r.backend)).toEqual(['native']);
    for (const args of [['ps'], ['network', 'ls']]) {
      const res = await tsdiag([...args, '--backend', 'docker'], nowhere);
      expect(res.exitCode).toBe(2);
      expect(res.stderr).toContain(`no Docker engine answers at ${nowhere}`);
    }
    expect((await tsdiag(['ps', '--backend', 'lxd'])).stderr).toMatch(/invalid --backend "lxd"/);
  });
});
