import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';
import { captureWhile, expectHandshake, masterOf, tcpdumpRead } from '../helpers/engine-capture.js';

/**
 * `tsdiag capture` on the real engine's interfaces: docker0 itself, and the
 * host end of a Docker container's veth found through the Docker backend.
 * The traffic goes only between containers this test made.
 */
const PORT = 5432;

describeWithEngine('capture on a real engine', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { net: `${runId}-cnet`, web: `${runId}-cweb`, db: `${runId}-cdb`, left: `${runId}-left`, right: `${runId}-right` };
  const cli = new EngineCli(engine);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-docker-capture-'));
  const ip: Record<string, string> = {};

  const addressOn = async (name: string, network: string) =>
    (await docker(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name])).stdout.trim();

  beforeAll(async () => {
    try {
      const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
      const runDetached = (name: string, args: string[]) => docker(engine, ['run', '-d', '--name', name, ...label, ...args]);
      await docker(engine, ['network', 'create', ...label, n.net]);
      await runDetached(n.db, ['--network', n.net, TEST_IMAGE, 'httpd', '-f', '-p', String(PORT)]);
      await runDetached(n.web, ['--network', n.net, TEST_IMAGE, 'sleep', '3600']);
      await runDetached(n.left, [TEST_IMAGE, 'sleep', '3600']);
      await runDetached(n.right, [TEST_IMAGE, 'sleep', '3600']);
      [ip.web, ip.db, ip.left, ip.right] = await Promise.all([
        addressOn(n.web, n.net), addressOn(n.db, n.net), addressOn(n.left, 'bridge'), addressOn(n.right, 'bridge'),
      ]);
    } catch (err) {
      await removeRunObjects(engine, runId);
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await removeRunObjects(engine, runId);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      cli.dispose();
    }
  });

  it('capture docker0 -w FILE: the pings between two containers on the default bridge, and tcpdump reads the file', async () => {
    const file = path.join(tmp, 'docker0.pcap');
    const res = await captureWhile(cli, ['docker0', '-c', '4', '-w', file, 'icmp', 'and', 'host', ip.right!], () =>
      docker(engine, ['exec', n.left, 'ping', '-c', '2', '-i', '0.2', ip.right!]));
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^listening on docker0, link-type EN10MB \(Ethernet\)/);
    expect(res.stderr).toMatch(/^4 packets captured$/m);
    const lines = await tcpdumpRead(file);
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes(`IP ${ip.left} > ${ip.right}: ICMP echo request`))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(`IP ${ip.right} > ${ip.left}: ICMP echo reply`))).toHaveLength(2);
  });

  it("capture --container web -w FILE while web talks to db: the TCP handshake is on web's veth, and tcpdump reads it", async () => {
    const file = path.join(tmp, 'web.pcap');
    const res = await captureWhile(cli, ['--container', n.web, '-c', '3', '-w', file, 'tcp', 'port', String(PORT)], () =>
      docker(engine, ['exec', n.web, 'wget', '-q', '-O', '/dev/null', `http://${ip.db}:${PORT}/`], { reject: false }));
    expect(res.exitCode, res.stderr).toBe(0);
    const device = /^listening on (veth\w+),/.exec(res.stderr)?.[1];
    expect(device, res.stderr).toBeDefined();
    // the device is web's veth: its host end sits on the network's bridge in the engine's namespace
    const netId = (await docker(engine, ['network', 'inspect', '-f', '{{.Id}}', n.net])).stdout.trim();
    expect(await masterOf(engine.netns, device!)).toBe(`br-${netId.slice(0, 12)}`);
    expectHandshake(await tcpdumpRead(file), ip.web!, ip.db!, PORT);
  });

  it('capture --container web --names prints the packets live with the Docker containers\' names', async () => {
    const res = await captureWhile(cli, ['--container', n.web, '--backend', 'docker', '-c', '2', '--names', 'icmp'], () =>
      docker(engine, ['exec', n.web, 'ping', '-c', '1', ip.db!]));
    expect(res.exitCode, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toContain(`IP ${ip.web}(${n.web}) > ${ip.db}(${n.db}): ICMP echo request`);
    expect(lines[1]).toContain(`IP ${ip.db}(${n.db}) > ${ip.web}(${n.web}): ICMP echo reply`);
  });

  it('--backend native does not know a Docker container (exit 2)', async () => {
    const res = await cli.run(['capture', '--container', n.web, '--backend', 'native', '-c', '1']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(`no such container: ${n.web}`);
  });
});
