import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/netcore/kernel/exec.js';
import { describeWithEngine, uniqueRunId, type DockerEngine } from '../helpers/docker.js';
import { EngineCli, checkIn } from '../helpers/docker-cli.js';
import { buildSwarm, recreateOverlay, type SwarmLab } from '../helpers/docker-swarm.js';

/**
 * swarm.ports and path.mtu on a real two-node swarm (two engines of this
 * test's own, see helpers/docker-swarm.ts): swarm.ports healthy, then
 * 4789/udp, 7946/tcp and 2377/tcp dropped, each named; path.mtu across the
 * overlay healthy, then the underlay link narrowed under the overlay's MTU +
 * 50, named with the fix, and healthy again once the fix is applied. Rules
 * and MTUs change only in the nodes' own namespaces. 20.10 only: a second
 * pair of engines (Docker 26) would double the heaviest suite on 2 cores.
 */
describeWithEngine('swarm.ports and path.mtu on a real two-node Docker swarm', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  let swarm: SwarmLab | null = null;
  const clis: EngineCli[] = [];

  const swarmCheck = async (node: 'manager' | 'worker') => {
    const self = swarm![node];
    const peer = swarm![node === 'manager' ? 'worker' : 'manager'];
    const cli = new EngineCli(self);
    clis.push(cli);
    const { exitCode, report } = await cli.doctor(self.container, peer.container, 'docker', '--check', '^swarm\\.ports$');
    return { exitCode, check: checkIn(report, 'swarm.ports') };
  };
  /** An INPUT rule on a node; returns its removal. */
  const dropOn = async (node: 'manager' | 'worker', proto: 'tcp' | 'udp', port: number) => {
    const spec = ['INPUT', '-p', proto, '--dport', String(port), '-j', 'DROP'];
    await run('iptables', ['-w', '-I', ...spec], { netns: swarm![node].netns });
    return () => run('iptables', ['-w', '-D', ...spec], { netns: swarm![node].netns });
  };

  /** path.mtu from the manager's container to the worker's, with the checks it stands on */
  const mtuCheck = async () => {
    const cli = new EngineCli(swarm!.manager);
    clis.push(cli);
    const { exitCode, report } = await cli.doctor(swarm!.manager.container, swarm!.worker.container, 'docker', '--check', '^(topology\\.|reach\\.icmp$|path\\.mtu$)');
    return { exitCode, check: checkIn(report, 'path.mtu'), report };
  };
  /** The MTU of the link between the nodes, on both ends: what VXLAN packets cross. */
  const setUnderlayMtu = (mtu: number) => Promise.all([swarm!.manager, swarm!.worker].map((n) =>
    run('ip', ['-n', n.netns, 'link', 'set', 'dev', n.underlay, 'mtu', String(mtu)])));

  beforeAll(async () => {
    swarm = await buildSwarm(engine, runId);
  }, 240_000);

  afterAll(async () => {
    for (const cli of clis) cli.dispose();
    await swarm?.teardown();
  }, 120_000);

  it("an engine in no swarm: skipped, with the engine's Swarm.LocalNodeState", async () => {
    const cli = new EngineCli(engine);
    clis.push(cli);
    const { report } = await cli.doctor('nobody', 'none', 'docker', '--check', '^swarm\\.ports$');
    expect(checkIn(report, 'swarm.ports')).toMatchObject({ status: 'skip', summary: expect.stringMatching(/^not in a swarm: the engine's Swarm\.LocalNodeState is "inactive"/) });
  });

  it('healthy: the manager sees the worker from the API, 7946/tcp open, 4789/udp proved by overlay traffic', async () => {
    const { exitCode, check } = await swarmCheck('manager');
    expect(check.status, check.summary).toBe('pass');
    expect(exitCode).toBe(0);
    const evidence = check.evidence.join('\n');
    expect(evidence).toContain(`node ${swarm!.worker.address} via `);
    expect(evidence).toMatch(new RegExp(`overlay ${swarm!.overlay} \\(VNI \\d+, udp 4789\\)`));
    expect(evidence).toMatch(/ {2}7946\/tcp: open/);
    expect(evidence).not.toMatch(/2377\/tcp/); // a worker has no 2377 to probe
    expect(evidence).toMatch(new RegExp(`4789/udp \\(VXLAN\\): proved by overlay traffic: ${swarm!.manager.container} -> [\\d.]+ answered`));
    const fromWorker = await swarmCheck('worker');
    expect(fromWorker.check.status, fromWorker.check.summary).toBe('pass');
    expect(fromWorker.check.evidence.join('\n')).toMatch(/ {2}2377\/tcp: open/);
  });

  it('4789/udp dropped on the worker: named, with the overlay ping as evidence (a one-sided probe cannot prove UDP)', async () => {
    const undo = await dropOn('worker', 'udp', 4789);
    try {
      const { exitCode, check } = await swarmCheck('manager');
      expect(exitCode).toBe(1);
      expect(check.status).toBe('fail');
      expect(check.summary).toMatch(new RegExp(`^4789/udp \\(VXLAN\\) to node ${swarm!.worker.address} is blocked: overlay traffic to [\\d.]+ gets no answer \\(a one-sided probe cannot prove UDP`));
      expect(check.fix).toBe(`on node ${swarm!.worker.address}: iptables -I INPUT -p udp --dport 4789 -j ACCEPT`);
      expect(check.evidence.join('\n')).toMatch(/ {2}7946\/tcp: open/);
    } finally {
      await undo();
    }
    expect((await swarmCheck('manager')).check.status).toBe('pass');
  });

  it('7946/tcp dropped on the worker: named', async () => {
    const undo = await dropOn('worker', 'tcp', 7946);
    try {
      const { check } = await swarmCheck('manager');
      expect(check.status).toBe('fail');
      expect(check.summary).toMatch(new RegExp(`^7946/tcp to node ${swarm!.worker.address}: no answer`));
      expect(check.fix).toBe(`on node ${swarm!.worker.address}: iptables -I INPUT -p tcp --dport 7946 -j ACCEPT`);
    } finally {
      await undo();
    }
    expect((await swarmCheck('manager')).check.status).toBe('pass');
  });

  it("2377/tcp dropped on the manager: the worker's doctor names it", async () => {
    const undo = await dropOn('manager', 'tcp', 2377);
    try {
      const { check } = await swarmCheck('worker');
      expect(check.status).toBe('fail');
      expect(check.summary).toMatch(new RegExp(`^2377/tcp to node ${swarm!.manager.address}: no answer`));
      expect(check.fix).toBe(`on node ${swarm!.manager.address}: iptables -I INPUT -p tcp --dport 2377 -j ACCEPT`);
    } finally {
      await undo();
    }
  });

  it('path.mtu across nodes: every hop, the 50 bytes of VXLAN, the largest DF payload that passed', async () => {
    const { exitCode, check, report } = await mtuCheck();
    expect(report.checks.map((c) => `${c.id} ${c.status}`)).toEqual(
      ['topology.exists pass', 'topology.common-network pass', 'reach.icmp pass', 'path.mtu pass']);
    expect(exitCode).toBe(0);
    const evidence = check.evidence.join('\n');
    expect(evidence).toMatch(new RegExp(`^${swarm!.manager.container}, egress of route to [\\d.]+: eth0 mtu 1450$`, 'm'));
    expect(evidence).toContain(`overlay ${swarm!.overlay} (VXLAN, +50 bytes per packet; driver mtu default 1500): vxlan mtu 1450`);
    expect(evidence).toContain(`underlay, this node's egress to node ${swarm!.worker.address}: ${swarm!.manager.underlay} mtu 1500`);
    expect(evidence).toContain(`VXLAN: 1450 + 50 = 1500 bytes on the underlay ${swarm!.manager.underlay} (mtu 1500): fits`);
    expect(evidence).toContain(`largest DF payload that passed ${swarm!.manager.container} -> ${swarm!.worker.container} (across nodes, via ${swarm!.worker.address}): 1422 bytes`);
  });

  it('underlay narrower than the overlay + 50: path.mtu fails with the fix (recreate the overlay with driver mtu); the fix heals it', async () => {
    await setUnderlayMtu(1400);
    try {
      const { exitCode, check } = await mtuCheck();
      expect(exitCode).toBe(1);
      expect(check.status).toBe('fail');
      expect(check.summary).toBe(`overlay ${swarm!.overlay}'s MTU 1450 is too large for the underlay: VXLAN needs 50 bytes, ${swarm!.manager.underlay} carries 1400`);
      const option = 'com.docker.network.driver.mtu=1400';
      expect(check.fix).toBe(`docker network rm ${swarm!.overlay} && docker network create -d overlay --attachable -o ${option} ${swarm!.overlay}`);
      const evidence = check.evidence.join('\n');
      expect(evidence).toContain(`VXLAN: 1450 + 50 = 1500 bytes on the underlay ${swarm!.manager.underlay} (mtu 1400): too large`);
      expect(evidence).toMatch(/largest DF payload that passed .*: 1322 bytes \(a 1350-byte packet\)/);

      await recreateOverlay(swarm!, ['-o', option]);
      const healed = await mtuCheck();
      expect(healed.check.status, healed.check.summary).toBe('pass');
      expect(healed.exitCode).toBe(0);
      const after = healed.check.evidence.join('\n');
      expect(after).toMatch(/egress of route to [\d.]+: eth\d+ mtu 1350$/m);
      expect(after).toContain(`VXLAN: 1350 + 50 = 1400 bytes on the underlay ${swarm!.manager.underlay} (mtu 1400): fits`);
      expect(after).toMatch(/largest DF payload that passed .*: 1322 bytes/);
    } finally {
      await setUnderlayMtu(1500);
      // the overlay as the suite made it (driver default, 1450 in the containers): the tests after this one start from it
      await recreateOverlay(swarm!, []);
    }
  });

  /** tsdiag perf from the manager's container to the worker's, the receiver started in the worker node's namespaces */
  const perfAcross = async (...extra: string[]) => {
    const cli = new EngineCli(swarm!.manager);
    clis.push(cli);
    const res = await cli.run(['perf', swarm!.manager.container, swarm!.worker.container, '--backend', 'docker', '--time', '1', '--count', '20', '--json',
      '--peer-docker-host', swarm!.worker.host, '--peer-host-netns', swarm!.worker.netns, ...extra]);
    if (res.exitCode === 2 || !res.stdout) throw new Error(`perf exited ${res.exitCode}: ${res.stderr}`);
    return { exitCode: res.exitCode, report: JSON.parse(res.stdout) };
  };

  it('perf across the overlay: the receiver in the worker\'s container, the overlay next to the underlay with VXLAN\'s 50 bytes and cost named', async () => {
    const cli = new EngineCli(swarm!.manager);
    clis.push(cli);
    const refused = await cli.run(['perf', swarm!.manager.container, swarm!.worker.container, '--backend', 'docker']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/runs on swarm node [\d.]+: tsdiag's receiver must run there \(give --peer-docker-host and --peer-host-netns/);

    const { exitCode, report } = await perfAcross();
    expect(report.findings, JSON.stringify(report.findings)).toEqual([]);
    expect(exitCode).toBe(0);
    const [overlay, underlay] = report.paths;
    expect(overlay).toMatchObject({ id: 'overlay', via: 'overlay', generator: 'native' });
    expect(overlay.detail).toBe(`container to container over overlay ${swarm!.overlay} (VXLAN to node ${swarm!.worker.address})`);
    expect(overlay.rtt.icmp.received).toBe(20);
    expect(overlay.tcp.bps).toBeGreaterThan(50e6);
    expect(underlay).toMatchObject({ id: 'underlay', via: 'underlay', address: swarm!.worker.address });
    expect(underlay.tcp.bps).toBeGreaterThan(overlay.tcp.bps * 0.5);
    expect(overlay.notes.join('\n')).toMatch(new RegExp(`^VXLAN adds 50 bytes to every packet \\(MTU 1450 in the containers, 1500 on the underlay ${swarm!.manager.underlay}\\): .* over the overlay against .* node to node on the underlay \\(\\d+%\\)$`));
    // the overlay's interface in a container is eth0, or a later ethN once the overlay was made again and reconnected
    expect(report.hops.map((h: any) => `${h.where} ${h.dev.replace(/^eth\d+$/, 'ethN')} ${h.role} ${h.mtu}`)).toEqual([
      `${swarm!.manager.container} ethN from-eth 1450`, `host ${swarm!.manager.underlay} from-underlay 1500`,
      `node ${swarm!.worker.address} ${swarm!.worker.underlay} to-underlay 1500`, `${swarm!.worker.container} ethN to-eth 1450`,
    ]);
  });

  it('perf across an underlay narrower than the overlay + 50: overlay-fragmentation named with the recreate fix', async () => {
    await setUnderlayMtu(1400);
    try {
      const { exitCode, report } = await perfAcross('--udp-rate', '10');
      expect(exitCode).toBe(1);
      const f = report.findings.find((x: any) => x.id === 'overlay-fragmentation');
      expect(f, JSON.stringify(report.findings)).toBeDefined();
      expect(f.summary).toMatch(new RegExp(`^overlay ${swarm!.overlay}'s MTU 1450 is too large for the underlay: VXLAN makes a full packet 1500 bytes, ${swarm!.manager.underlay} \\(from-underlay, host\\) carries 1400`));
      expect(f.fix).toBe(`docker network rm ${swarm!.overlay} && docker network create -d overlay --attachable -o com.docker.network.driver.mtu=1400 ${swarm!.overlay}`);
      expect(report.findings.filter((x: any) => x.id === 'mtu-mismatch')).toEqual([]);
    } finally {
      await setUnderlayMtu(1500);
    }
  });
}, ['20.10']);
