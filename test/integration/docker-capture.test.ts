import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { TEST_IMAGE, TEST_RUN_LABEL, describeWithEngine, docker, removeRunObjects, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';

/**
 * `tsdiag capture` on the real engine's interfaces: docker0 itself, and the
 * host end of a Docker container's veth found through the Docker backend.
 * The traffic goes only between containers this test made.
 */
const PORT = 5432;
const CAPTURE_TIMEOUT_MS = 20_000;

describeWithEngine('capture on a real engine', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const n = { net: `${runId}-cnet`, web: `${runId}-cweb`, db: `${runId}-cdb`, left: `${runId}-left`, right: `${runId}-right` };
  const cli = new EngineCli(engine);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-docker-capture-'));
  const ip: Record<string, string> = {};

  const addressOn = async (name: string, network: string) =>
    (await docker(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name])).stdout.trim();

  /** Runs a capture that ends by -c, sends the traffic once it listens, and returns its output. */
  async function captureWhile(args: string[], traffic: () => Promise<unknown>) {
    const capture = cli.start(['capture', ...args], CAPTURE_TIMEOUT_MS);
    let stderr = '';
    await new Promise<void>((resolve) => {
      capture.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) resolve();
      });
      void capture.then(() => resolve());
    });
    await new Promise((r) => setTimeout(r, 200)); // as capture-live.test.ts: the worker's first poll follows the message
    await traffic();
    const res = await capture;
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
  }

  /** tcpdump reads the file without complaint; its lines. */
  async function tcpdumpRead(file: string): Promise<string[]> {
    const res = await run('tcpdump', ['-n', '-r', file]);
    expect(res.stderr.trim()).toMatch(/^reading from file .*, link-type EN10MB \(Ethernet\), snapshot length 262144$/);
    return res.stdout.trim().split('\n');
  }

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
    const res = await captureWhile(['docker0', '-c', '4', '-w', file, 'icmp', 'and', 'host', ip.right!], () =>
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
    const res = await captureWhile(['--container', n.web, '-c', '3', '-w', file, 'tcp', 'port', String(PORT)], () =>
      docker(engine, ['exec', n.web, 'wget', '-q', '-O', '/dev/null', `http://${ip.db}:${PORT}/`], { reject: false }));
    expect(res.exitCode, res.stderr).toBe(0);
    const device = /^listening on (veth\w+),/.exec(res.stderr)?.[1];
    expect(device, res.stderr).toBeDefined();
    // the device is web's veth: its host end sits on the network's bridge in the engine's namespace
    const link = JSON.parse((await run('ip', ['-n', engine.netns, '-j', 'link', 'show', device!])).stdout)[0];
    const netId = (await docker(engine, ['network', 'inspect', '-f', '{{.Id}}', n.net])).stdout.trim();
    expect(link.master).toBe(`br-${netId.slice(0, 12)}`);
    const lines = await tcpdumpRead(file);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`IP ${ip.web}\\.\\d+ > ${ip.db}\\.${PORT}: Flags \\[S\\]`));
    expect(lines[1]).toMatch(new RegExp(`IP ${ip.db}\\.${PORT} > ${ip.web}\\.\\d+: Flags \\[S\\.\\]`));
    expect(lines[2]).toMatch(new RegExp(`IP ${ip.web}\\.\\d+ > ${ip.db}\\.${PORT}: Flags \\[\\.\\]`));
  });

  it('capture --container web --names prints the packets live with the Docker containers\' names', async () => {
    const res = await captureWhile(['--container', n.web, '--backend', 'docker', '-c', '2', '--names', 'icmp'], () =>
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
