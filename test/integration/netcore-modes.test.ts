import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSandbox } from '../helpers/sandbox.js';

describe('netcore: macvlan, --network host and none', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await TestSandbox.create('modes');
  });
  afterAll(async () => sb?.dispose());

  it('a macvlan container sits directly on the parent interface', async () => {
    await sb.ok(['network', 'create', '--driver', 'macvlan', '-o', 'parent=eth0', '--subnet', '198.18.0.0/24',
      '--gateway', '198.18.0.1', '--ip-range', '198.18.0.64/26', 'lan']);
    await sb.ok(['run', '--name', 'mv', '--network', 'lan']);
    const state = await sb.state();
    expect(state.containers.mv.endpoints[0].ipv4).toBe('198.18.0.64');
    const link = JSON.parse((await sb.inNetns(sb.containerNetns('mv'), ['ip', '-d', '-j', 'link', 'show', 'eth0'])).stdout)[0];
    expect(link.linkinfo.info_kind).toBe('macvlan');
    // the outside namespace is on the parent's wire: it answers without any routing or NAT
    expect((await sb.inNetns(sb.containerNetns('mv'), ['ping', '-c', '1', '-W', '2', '198.18.0.1'])).exitCode).toBe(0);
    await sb.ok(['rm', 'mv']);
    expect((await sb.inNetns(sb.name, ['ip', '-o', 'link'])).stdout).not.toMatch(/macvlan|mv[0-9a-f]{8}/);
    await sb.ok(['network', 'rm', 'lan']);
  });

  it('refuses macvlan without a parent, or with one that does not exist', async () => {
    expect((await sb.cli(['network', 'create', '--driver', 'macvlan', 'x'])).stderr).toMatch(/needs -o parent/);
    const res = await sb.cli(['network', 'create', '--driver', 'macvlan', '-o', 'parent=nope0', 'x']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/parent interface nope0 does not exist/);
  });

  it('--network none: a namespace with only lo', async () => {
    await sb.ok(['run', '--name', 'alone', '--network', 'none']);
    const links = JSON.parse((await sb.inNetns(sb.containerNetns('alone'), ['ip', '-j', 'link', 'show'])).stdout);
    expect(links.map((l: { ifname: string }) => l.ifname)).toEqual(['lo']);
    await sb.ok(['rm', 'alone']);
  });

  it('--network host: no namespace of its own, exec runs in the host namespace', async () => {
    await sb.ok(['run', '--name', 'hosty', '--network', 'host']);
    const state = await sb.state();
    expect(state.containers.hosty.netns).toBeNull();
    const ps = JSON.parse(await sb.ok(['ps', '--json'])).find((r: { name: string }) => r.name === 'hosty');
    expect(ps.networks).toEqual(['host']);
    await sb.ok(['rm', 'hosty']);
  });
});
