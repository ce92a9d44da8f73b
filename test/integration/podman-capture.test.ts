import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { uniqueRunId } from '../helpers/docker.js';
import { EngineCli } from '../helpers/docker-cli.js';
import { captureWhile, expectHandshake, masterOf, startCapture, startTcpdump, tcpdumpRead } from '../helpers/engine-capture.js';
import { PODMAN_IMAGE, PODMAN_RUN_LABEL, ULIMITS, describeWithPodman, podman, podmanSuiteObjects, type PodmanEngine } from '../helpers/podman.js';
import { tcpdumpLines } from '../unit/capture/oracle.js';

/**
 * `tsdiag capture --container` on a real Podman 4.3: the host end of the
 * container's veth (in the Podman host's namespace, on the network's
 * podmanN bridge) found through the Podman backend, its packets printed as
 * the real tcpdump on the same veth prints them. Traffic only between
 * containers this test made.
 */
const PORT = 5432;

describeWithPodman('capture --container on a real Podman', (engine: PodmanEngine) => {
  const runId = uniqueRunId();
  const n = { net: `${runId}-cnet`, web: `${runId}-cweb`, db: `${runId}-cdb` };
  const label = ['--label', `${PODMAN_RUN_LABEL}=${runId}`];
  const cli = new EngineCli(engine, 'CONTAINER_HOST');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-podman-capture-'));
  const ip: Record<string, string> = {};
  let bridge = '';

  const runDetached = (name: string, args: string[]) => podman(engine, ['run', '-d', '--name', name, ...label, ...ULIMITS, ...args]);
  const addressOn = async (name: string) =>
    (await podman(engine, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${n.net}").IPAddress}}`, name])).stdout.trim();
  const webFetchesDb = () => podman(engine, ['exec', n.web, 'wget', '-q', '-O', '/dev/null', `http://${ip.db}:${PORT}/`], { reject: false });

  podmanSuiteObjects(engine, runId, async () => {
    // DNS off: nothing here looks a name up, and aardvark-dns is not restarted for this network
    await podman(engine, ['network', 'create', ...label, '--disable-dns', n.net]);
    await runDetached(n.db, ['--network', n.net, PODMAN_IMAGE, 'httpd', '-f', '-p', String(PORT)]);
    await runDetached(n.web, ['--network', n.net, PODMAN_IMAGE, 'sleep', '3600']);
    [ip.web, ip.db] = await Promise.all([addressOn(n.web), addressOn(n.db)]);
    bridge = (await podman(engine, ['network', 'inspect', '-f', '{{.NetworkInterface}}', n.net])).stdout.trim();
  }, () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    cli.dispose();
  });

  it("capture --container web -w FILE: web's veth on the network's podman bridge, the TCP handshake with db, and tcpdump reads the file", async () => {
    const file = path.join(tmp, 'web.pcap');
    const res = await captureWhile(cli, ['--container', n.web, '--backend', 'podman', '-c', '3', '-w', file, 'tcp', 'port', String(PORT)], webFetchesDb);
    expect(res.exitCode, res.stderr).toBe(0);
    const device = /^listening on (veth\w+), link-type EN10MB \(Ethernet\)/.exec(res.stderr)?.[1];
    expect(device, res.stderr).toBeDefined();
    expect(bridge).toMatch(/^podman\d+$/);
    expect(await masterOf(engine.netns, device!)).toBe(bridge);
    expectHandshake(await tcpdumpRead(file), ip.web!, ip.db!, PORT);
  });

  it('capture --container web prints the lines the real tcpdump prints on the same veth', async () => {
    const COUNT = 6;
    const filter = ['tcp', 'port', String(PORT)];
    // -t: two sockets may see a packet a microsecond apart; the decoding is what is compared
    const capture = await startCapture(cli, ['--container', n.web, '--backend', 'podman', '-t', '-c', String(COUNT), ...filter]);
    expect(capture.device, capture.banner).toMatch(/^veth\w+$/);
    const file = path.join(tmp, 'tcpdump-web.pcap');
    const tcpdumpDone = await startTcpdump(engine.netns, capture.device!, file, COUNT, filter);
    await webFetchesDb();
    const [res] = await Promise.all([capture.done(), tcpdumpDone()]);
    expect(res.exitCode, res.stderr).toBe(0);
    const live = res.stdout.split('\n'); // execa drops the last newline
    expect(live, res.stderr).toHaveLength(COUNT);
    expect(live).toEqual(tcpdumpLines(file, ['-t']));
    expect(live[0]).toMatch(new RegExp(`^IP ${ip.web}\\.\\d+ > ${ip.db}\\.${PORT}: Flags \\[S\\]`));
  });

  it("capture --container web --names prints the Podman containers' names", async () => {
    const res = await captureWhile(cli, ['--container', n.web, '--backend', 'podman', '-c', '2', '--names', 'icmp'], () =>
      podman(engine, ['exec', n.web, 'ping', '-c', '1', ip.db!]));
    expect(res.exitCode, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toContain(`IP ${ip.web}(${n.web}) > ${ip.db}(${n.db}): ICMP echo request`);
    expect(lines[1]).toContain(`IP ${ip.db}(${n.db}) > ${ip.web}(${n.web}): ICMP echo reply`);
  });

  it('--backend native does not know a Podman container (exit 2)', async () => {
    const res = await cli.run(['capture', '--container', n.web, '--backend', 'native', '-c', '1']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(`no such container: ${n.web}`);
  });
});
