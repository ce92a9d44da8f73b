import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSandbox } from '../helpers/sandbox.js';
import type { DoctorJson } from '../helpers/lab.js';
import { PairSandbox } from '../helpers/pair-sandbox.js';

/**
 * Causes on the packet's path that no fault of the spec lists, each built by
 * hand with `ip` in a sandbox (not through `lab`): the doctor must name the
 * guilty object, mark what fails only because of it, and print a fix that
 * works when run.
 */
describe('doctor: the path walk names the broken hop', () => {
  let pair: PairSandbox;
  let sb: TestSandbox;
  let bridge = '';
  let hostEnd: Record<string, string> = {};

  beforeAll(async () => {
    pair = await PairSandbox.create('path', ['cache']);
    ({ sb, bridge, hostEnd } = pair);
  });
  afterAll(async () => pair?.dispose());

  const doctor = () => pair.doctor();
  const check = (r: DoctorJson, id: string) => pair.check(r, id);
  const runFix = (fix: string) => pair.runFix(fix);
  const ip = (netns: string, ...args: string[]) => execa('ip', ['-n', netns, ...args]);

  async function expectCause(id: string, object: RegExp) {
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    const c = check(report, id);
    expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
    expect(`${c.summary}\n${c.evidence.join('\n')}`).toMatch(object);
    // what fails only because of it is said to, not reported as a second failure
    const others = report.checks.filter((x) => x.status === 'fail' && x.id !== id);
    expect(others.map((x) => x.id)).toEqual([]);
    for (const id2 of ['reach.icmp', 'reach.tcp']) {
      const r = check(report, id2);
      if (r.status !== 'pass') expect(r.summary).toContain(`because of ${id}`);
    }
    expect(c.fix).toBeTruthy();
    await runFix(c.fix!);
    const after = await doctor();
    expect(after.report.checks.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    return c;
  }

  it('a healthy path passes every path check and carries the hops in --json', async () => {
    const { exitCode, report } = await doctor();
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(exitCode).toBe(0);
    for (const id of ['route.missing', 'link.state', 'link.master', 'bridge.port', 'addr.missing', 'addr.duplicate', 'neigh.stale']) expect(check(report, id).status).toBe('pass');
    expect(JSON.stringify(report.path)).toContain(hostEnd.db);
  });

  it('db\'s veth taken off its bridge: link.master names the host end', async () => {
    await ip(sb.name, 'link', 'set', hostEnd.db!, 'nomaster');
    const c = await expectCause('link.master', new RegExp(`${hostEnd.db}.*on no bridge, not of ${bridge}`));
    expect(c.fix).toBe(`ip netns exec ${sb.name} ip link set ${hostEnd.db} master ${bridge}`);
  });

  it('the host end of web\'s veth down: link.state names it, not web\'s eth0 without carrier', async () => {
    await ip(sb.name, 'link', 'set', hostEnd.web!, 'down');
    await expectCause('link.state', new RegExp(`${hostEnd.web}, the host end of web's veth, is down`));
  });

  it('db\'s eth0 with ARP turned off: web can never learn its MAC', async () => {
    await ip(sb.containerNetns('db'), 'link', 'set', 'eth0', 'arp', 'off');
    await ip(sb.containerNetns('web'), 'neigh', 'flush', 'dev', 'eth0');
    const c = await expectCause('link.state', /db's eth0 has ARP turned off/);
    expect(c.fix).toBe(`tsdiag --host-netns ${sb.name} exec db -- ip link set eth0 arp on`);
  });

  it('db\'s own eth0 down', async () => {
    await ip(sb.containerNetns('db'), 'link', 'set', 'eth0', 'down');
    await expectCause('link.state', /db's eth0 is down/);
    // a link set up again lost its routes: the fix brings them back with the address
  });

  it('the bridge down', async () => {
    await ip(sb.name, 'link', 'set', bridge, 'down');
    await expectCause('link.state', new RegExp(`the bridge ${bridge} of app is down`));
  });

  it('a port the bridge does not forward through: STP turned on, the port back in listening', async () => {
    await ip(sb.name, 'link', 'set', bridge, 'type', 'bridge', 'forward_delay', '3000', 'stp_state', '1');
    await ip(sb.name, 'link', 'set', hostEnd.db!, 'down');
    await ip(sb.name, 'link', 'set', hostEnd.db!, 'up');
    const c = await expectCause('bridge.port', new RegExp(`${hostEnd.db}, db's port on ${bridge}, is in state listening.*runs STP`));
    expect(c.fix).toBe(`ip netns exec ${sb.name} ip link set ${bridge} type bridge stp_state 0 && ip netns exec ${sb.name} ip link set ${hostEnd.db} type bridge_slave state 3`);
    await ip(sb.name, 'link', 'set', bridge, 'type', 'bridge', 'forward_delay', '1500');
  });

  it('db without its routes: the way back has none', async () => {
    await ip(sb.containerNetns('db'), 'route', 'flush', 'table', 'main');
    const c = await expectCause('route.missing', /db has no route to web/);
    await execa('ip', ['-n', sb.containerNetns('db'), 'route', 'replace', 'default', 'via', '172.18.0.1', 'dev', 'eth0']);
    expect(c.fix).toContain('route add 172.18.0.0/16 dev eth0');
  });

  it('another container claims db\'s address', async () => {
    await ip(sb.containerNetns('cache'), 'addr', 'add', '172.18.0.2/16', 'dev', 'eth0');
    await expectCause('addr.duplicate', /172\.18\.0\.2 is claimed twice on app: by db and by cache/);
  });

  it('web\'s neighbour entry for db left pointing at an old MAC', async () => {
    await ip(sb.containerNetns('web'), 'neigh', 'replace', '172.18.0.2', 'lladdr', '02:42:ac:12:00:63', 'dev', 'eth0', 'nud', 'permanent');
    await expectCause('neigh.stale', /web's neighbour entry for db \(172\.18\.0\.2\) points to 02:42:ac:12:00:63/);
  });

  it('db without its address', async () => {
    await ip(sb.containerNetns('db'), 'addr', 'del', '172.18.0.2/16', 'dev', 'eth0');
    await expectCause('addr.missing', /db's eth0 does not hold its address 172\.18\.0\.2\/16/);
    await execa('ip', ['-n', sb.containerNetns('db'), 'route', 'replace', 'default', 'via', '172.18.0.1', 'dev', 'eth0']);
  });
});
