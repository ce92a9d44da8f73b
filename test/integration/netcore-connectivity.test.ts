import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSandbox, tcpClient, tcpEchoServer, waitFor } from '../helpers/sandbox.js';

describe('netcore: Docker-style bridge networks in a sandbox host', () => {
  let sb: TestSandbox;
  const ip: Record<string, string> = {};

  beforeAll(async () => {
    sb = await TestSandbox.create('conn');
    await sb.ok(['network', 'create', 'app']);
    await sb.ok(['network', 'create', '--subnet', '10.77.0.0/24', '-o', 'com.docker.network.driver.mtu=1400', 'other']);
    await sb.ok(['run', '--name', 'web', '--network', 'app']);
    await sb.ok(['run', '--name', 'db', '--network', 'app', '-p', '8080:5432']);
    await sb.ok(['run', '--name', 'lonely', '--network', 'other']);
    const state = await sb.state();
    for (const [name, c] of Object.entries(state.containers)) ip[name] = c.endpoints[0].ipv4;
    sb.background(sb.containerNetns('db'), tcpEchoServer(5432, 'db'));
    sb.background(sb.outsideNetns, tcpEchoServer(9000, 'outside'));
    await waitFor(async () => (await sb.inNetns(sb.containerNetns('db'), ['ss', '-ltn'])).stdout.includes(':5432'));
    await waitFor(async () => (await sb.inNetns(sb.outsideNetns, ['ss', '-ltn'])).stdout.includes(':9000'));
  });
  afterAll(async () => sb?.dispose());

  it('gives addresses from Docker pools and the given subnet', () => {
    expect(ip.web).toMatch(/^172\.18\.0\.\d+$/);
    expect(ip.lonely).toBe('10.77.0.2');
  });

  it('two containers on one network ping each other', async () => {
    expect((await sb.inNetns(sb.containerNetns('web'), ['ping', '-c', '1', '-W', '2', ip.db!])).exitCode).toBe(0);
    expect((await sb.inNetns(sb.containerNetns('db'), ['ping', '-c', '1', '-W', '2', ip.web!])).exitCode).toBe(0);
  });

  it('a container on another network cannot reach them, in either direction', async () => {
    expect((await sb.inNetns(sb.containerNetns('lonely'), ['ping', '-c', '1', '-W', '1', ip.db!])).exitCode).not.toBe(0);
    expect((await sb.inNetns(sb.containerNetns('web'), ['ping', '-c', '1', '-W', '1', ip.lonely!])).exitCode).not.toBe(0);
  });

  it('a published port answers from the outside namespace and from the host itself', async () => {
    const fromOutside = await sb.inNetns(sb.outsideNetns, tcpClient('198.18.0.2', 8080));
    expect(fromOutside.stdout).toMatch(/^db 198\.18\.0\.1$/m);
    const fromHost = await sb.inNetns(sb.name, tcpClient('198.18.0.2', 8080));
    expect(fromHost.exitCode).toBe(0);
    expect(fromHost.stdout).toMatch(/^db /);
  });

  it("a published port answers a container through the host's address, db itself included (hairpin NAT: no userland proxy)", async () => {
    const gateway = (await sb.state()).networks.app!.gateway!;
    const fromWeb = await sb.inNetns(sb.containerNetns('web'), tcpClient(gateway, 8080));
    expect(fromWeb.stdout, fromWeb.stderr).toMatch(new RegExp(`^db ${ip.web!.replace(/\./g, '\\.')}$`, 'm'));
    const fromItself = await sb.inNetns(sb.containerNetns('db'), tcpClient('198.18.0.2', 8080));
    expect(fromItself.stdout, fromItself.stderr).toMatch(/^db /m);
    const ports = (await sb.inNetns(sb.name, ['ip', '-d', 'link', 'show', 'master', (await sb.state()).networks.app!.device!])).stdout;
    expect(ports.match(/hairpin on/g)?.length).toBe(2);
  });

  it('outbound traffic leaves with the host address (MASQUERADE)', async () => {
    const res = await sb.inNetns(sb.containerNetns('web'), tcpClient('198.18.0.1', 9000));
    expect(res.stdout.trim()).toBe('outside 198.18.0.2');
  });

  it('applies the MTU on the bridge and on both veth ends', async () => {
    const state = await sb.state();
    const other = state.networks.other;
    const lonely = state.containers.lonely;
    const mtu = async (ns: string, dev: string) => JSON.parse((await sb.inNetns(ns, ['ip', '-j', 'link', 'show', dev])).stdout)[0].mtu;
    expect(await mtu(sb.name, other.device)).toBe(1400);
    expect(await mtu(sb.name, lonely.endpoints[0].hostIf)).toBe(1400);
    expect(await mtu(sb.containerNetns('lonely'), 'eth0')).toBe(1400);
    expect(await mtu(sb.containerNetns('web'), 'eth0')).toBe(1500);
  });

  it('uses Docker names in a sandbox and shows them like docker inspect', async () => {
    const inspect = JSON.parse(await sb.ok(['network', 'inspect', 'app']))[0];
    expect(inspect.Name).toBe('app');
    expect(inspect.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(inspect.IPAM.Config[0].Subnet).toBe('172.18.0.0/16');
    const eps = Object.values(inspect.Containers) as Array<{ Name: string; IPv4Address: string; MacAddress: string }>;
    expect(eps.map((e) => e.Name).sort()).toEqual(['db', 'web']);
    expect(eps.find((e) => e.Name === 'db')!.IPv4Address).toBe(`${ip.db}/16`);
    const state = await sb.state();
    expect(state.networks.app.device).toBe(`br-${inspect.Id.slice(0, 12)}`);
    const ps = JSON.parse(await sb.ok(['ps', '--json']));
    expect(ps.find((r: { name: string }) => r.name === 'db').ports).toEqual(['0.0.0.0:8080->5432/tcp']);
  });

  it('the default bridge is docker0 on 172.17.0.0/16 with gateway .1, made on first use', async () => {
    await sb.ok(['run', '--name', 'plain']);
    const inspect = JSON.parse(await sb.ok(['network', 'inspect', 'bridge']))[0];
    expect(inspect.IPAM.Config[0]).toEqual({ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' });
    expect(inspect.Options['com.docker.network.bridge.name']).toBe('docker0');
    const addr = (await sb.inNetns(sb.containerNetns('plain'), ['ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
    expect(addr).toContain('172.17.0.2/16');
    expect((await sb.inNetns(sb.containerNetns('plain'), ['ping', '-c', '1', '-W', '2', '198.18.0.1'])).exitCode).toBe(0);
    await sb.ok(['rm', 'plain']);
  });

  it('an --internal network has no way out', async () => {
    await sb.ok(['network', 'create', '--internal', 'sealed']);
    await sb.ok(['run', '--name', 'inside', '--network', 'sealed']);
    const res = await sb.inNetns(sb.containerNetns('inside'), ['ping', '-c', '1', '-W', '1', '198.18.0.1']);
    expect(res.exitCode).not.toBe(0);
    await sb.ok(['rm', 'inside']);
    await sb.ok(['network', 'rm', 'sealed']);
  });

  it('connect puts a container on a second network as eth1; disconnect takes it off', async () => {
    await sb.ok(['network', 'connect', 'other', 'web']);
    const state = await sb.state();
    const ep = state.containers.web.endpoints[1];
    expect(ep.ifname).toBe('eth1');
    expect((await sb.inNetns(sb.containerNetns('web'), ['ping', '-c', '1', '-W', '2', ip.lonely!])).exitCode).toBe(0);
    await sb.ok(['network', 'disconnect', 'other', 'web']);
    expect((await sb.inNetns(sb.containerNetns('web'), ['ip', 'link', 'show', 'eth1'])).exitCode).not.toBe(0);
  });

  it('the default route follows Docker\'s gateway endpoint: none on --internal, added on connect, handed over on disconnect', async () => {
    const route = async (c: string) => (await sb.inNetns(sb.containerNetns(c), ['ip', '-4', 'route', 'show', 'default'])).stdout.trim();
    await sb.ok(['network', 'create', '--internal', 'closed']);
    await sb.ok(['run', '--name', 'hermit', '--network', 'closed']);
    try {
      expect(await route('hermit')).toBe('');
      await sb.ok(['network', 'connect', 'app', 'hermit']);
      expect(await route('hermit')).toMatch(/^default via 172\.18\.0\.1 dev eth1\b/);
      expect((await sb.inNetns(sb.containerNetns('hermit'), tcpClient('198.18.0.1', 9000))).stdout).toMatch(/^outside /);
      await sb.ok(['network', 'connect', 'other', 'hermit']);
      expect(await route('hermit')).toMatch(/via 172\.18\.0\.1 dev eth1\b/); // the first carrier keeps it
      await sb.ok(['network', 'disconnect', 'app', 'hermit']);
      expect(await route('hermit')).toMatch(/^default via 10\.77\.0\.1 dev eth2\b/);
      await sb.ok(['network', 'disconnect', 'other', 'hermit']);
      expect(await route('hermit')).toBe('');
    } finally {
      await sb.cli(['rm', '-f', 'hermit']);
      await sb.cli(['network', 'rm', 'closed']);
    }
  });

  it('run -d starts a process in the namespace, exec runs in it, rm -f stops both', async () => {
    const id = (await sb.ok(['run', '-d', '--name', 'sleeper', '--network', 'app', '--', 'sleep', '300'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ps = JSON.parse(await sb.ok(['ps', '--json'])).find((r: { name: string }) => r.name === 'sleeper');
    expect(ps.status).toBe('running');
    const exec = await sb.cli(['exec', 'sleeper', '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(exec.exitCode).toBe(0);
    const refused = await sb.cli(['rm', 'sleeper']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/container is running/);
    await sb.ok(['rm', '-f', 'sleeper']);
    expect(fs.existsSync(`/proc/${ps.pid}/ns/net`)).toBe(false);
  });
});
