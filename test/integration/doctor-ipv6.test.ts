import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSandbox } from '../helpers/sandbox.js';
import type { DoctorJson } from '../helpers/lab.js';
import { PairSandbox } from '../helpers/pair-sandbox.js';
import { waitFor } from '../helpers/sandbox.js';
import { putBehindMtuRouter, takeFromMtuRouter, type MtuRouterSite } from '../../src/lab/faults/mtu.js';
import { formatIpv6, lastAddress6, parseCidr6 } from '../../src/netcore/ipv6.js';

/**
 * The doctor on a dual-stack pair: every check over both families, and the
 * faults that hit only IPv6, each built by hand in the sandbox, named with the
 * family and a fix that works when run.
 */
describe('doctor: a dual-stack pair, per address family', () => {
  let pair: PairSandbox;
  let sb: TestSandbox;
  let state: any;
  const v6 = (name: string): string => state.containers[name].endpoints[0].ipv6;

  beforeAll(async () => {
    pair = await PairSandbox.create('v6x', ['cache'], { ipv6: true });
    sb = pair.sb;
    state = await sb.state();
  });
  afterAll(async () => pair?.dispose());

  const failures = (r: DoctorJson) => r.checks.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.summary}`);

  /** The fault fails `id` (its text matching `what`), everything else passes or follows from it; the fix makes the run pass. */
  async function expectCause(id: string, what: RegExp) {
    const { exitCode, report } = await pair.doctor();
    expect(exitCode).toBe(1);
    const c = pair.check(report, id);
    expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
    expect(`${c.summary}\n${c.evidence.join('\n')}`).toMatch(what);
    expect(report.checks.filter((x) => x.status === 'fail' && x.id !== id).map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    for (const id2 of ['reach.icmp', 'reach.tcp']) {
      const r = pair.check(report, id2);
      if (r.status !== 'pass') expect(r.summary).toContain(`because of ${id}`);
    }
    expect(c.fix).toBeTruthy();
    await pair.runFix(c.fix!);
    expect(failures((await pair.doctor()).report)).toEqual([]);
    return c;
  }

  it('a healthy dual-stack pair passes every check over both families', async () => {
    const { exitCode, report } = await pair.doctor();
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(pair.check(report, 'reach.icmp').summary).toMatch(/over IPv4 and IPv6/);
    expect(pair.check(report, 'reach.tcp').summary).toMatch(new RegExp(`over IPv4 and IPv6 .*\\[${v6('db')}\\]:5432`));
    expect(pair.check(report, 'dns.resolve-peer').summary).toContain(`${v6('db')} (A and AAAA)`);
    expect(pair.check(report, 'path.mtu').summary).toMatch(/over IPv4 and IPv6/);
    expect(pair.check(report, 'addr.missing').summary).toContain(`db holds ${state.containers.db.endpoints[0].ipv4} and ${v6('db')}`);
    expect(pair.check(report, 'kernel.ip-forward').summary).toMatch(/IPv6 forwarding is on/);
    expect(pair.check(report, 'ipam.overlap').evidence).toContain(`network app: ${state.networks.app.subnet6}`);
    expect(JSON.stringify(report.path)).toContain(`${v6('db')}`);
  });

  it('disable_ipv6=1 in db: addr.missing names the sysctl, the fix turns IPv6 on and puts the address back', async () => {
    await execa('ip', ['netns', 'exec', sb.containerNetns('db'), 'sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']);
    const c = await expectCause('addr.missing', /db's eth0 has IPv6 turned off \(net\.ipv6\.conf\.eth0\.disable_ipv6=1\)/);
    expect(c.fix).toContain(`exec db -- sysctl -w net.ipv6.conf.eth0.disable_ipv6=0 && `);
    expect(c.fix).toContain(`ip -6 addr add ${v6('db')}/64 dev eth0 nodad`);
    expect(c.fix).toContain(`ip -6 route replace default via ${state.networks.app.gateway6} dev eth0`);
    expect((await execa('ip', ['-n', sb.containerNetns('db'), '-6', 'route', 'show', 'default'])).stdout).toContain(state.networks.app.gateway6);
  });

  it('web\'s IPv6 routes deleted: route.missing names the family, the fix puts them back', async () => {
    const ns = sb.containerNetns('web');
    await execa('ip', ['-n', ns, '-6', 'route', 'del', 'default']);
    await execa('ip', ['-n', ns, '-6', 'route', 'del', state.networks.app.subnet6, 'dev', 'eth0']);
    const c = await expectCause('route.missing', new RegExp(`web has no IPv6 route to db \\(${v6('db')}\\)`));
    expect(c.fix).toContain(`ip -6 route replace default via ${state.networks.app.gateway6} dev eth0`);
    const reach = pair.check((await pair.doctor()).report, 'reach.icmp');
    expect(reach.summary).toMatch(/over IPv4 and IPv6/);
  });

  it('an ip6tables DROP for db: fw.rule-drop says IPv4 answers and IPv6 does not, names the rule, and its fix deletes it', async () => {
    await execa('ip', ['netns', 'exec', sb.name, 'ip6tables', '-I', 'TSDIAG-USER', '-d', `${v6('db')}/128`, '-j', 'DROP']);
    const c = await expectCause('fw.rule-drop', /./);
    expect(c.summary).toBe(`db answers over IPv4 but not IPv6 (${v6('db')}): rule #1 of ip6tables filter TSDIAG-USER drops web -> db: -A TSDIAG-USER -d ${v6('db')}/128 -j DROP`);
    expect(c.fix).toBe(`ip netns exec ${sb.name} ip6tables -D TSDIAG-USER 1`);
    expect((await execa('ip', ['netns', 'exec', sb.name, 'ip6tables', '-S', 'TSDIAG-USER'])).stdout).not.toContain('DROP');
  });

  it('an ip6tables TSDIAG chain flushed: fw.chains-intact names the ip6tables rules, reconcile puts them back', async () => {
    await execa('ip', ['netns', 'exec', sb.name, 'ip6tables', '-t', 'nat', '-F', 'TSDIAG-POSTROUTING']);
    const { exitCode, report } = await pair.doctor();
    expect(exitCode).toBe(1);
    const c = pair.check(report, 'fw.chains-intact');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain(`outbound NAT (MASQUERADE) for ${state.networks.app.subnet6} (ip6tables)`);
    expect(c.evidence[0]).toBe(`missing: ip6tables -t nat -A TSDIAG-POSTROUTING -s ${state.networks.app.subnet6} ! -o ${pair.bridge} -j MASQUERADE  (outbound NAT (MASQUERADE) for ${state.networks.app.subnet6} (ip6tables))`);
    expect(failures(report)).toEqual([`fw.chains-intact: ${c.summary}`]);
    expect(c.fix).toBe(`tsdiag --host-netns ${sb.name} system reconcile`);
    await pair.runFix(c.fix!);
    const after = (await pair.doctor()).report;
    expect(failures(after)).toEqual([]);
    expect(pair.check(after, 'fw.chains-intact').evidence).toContain(`present: outbound NAT (MASQUERADE) for ${state.networks.app.subnet6} (ip6tables)`);
  });

  it('ip6tables FORWARD policy DROP with its jumps gone: fw.forward-policy names ip6tables and IPv6, reconcile restores the jumps', async () => {
    const ip6 = (...args: string[]) => execa('ip', ['netns', 'exec', sb.name, 'ip6tables', ...args]);
    await ip6('-P', 'FORWARD', 'DROP');
    try {
      await ip6('-F', 'FORWARD');
      const { exitCode, report } = await pair.doctor();
      expect(exitCode).toBe(1);
      const c = pair.check(report, 'fw.forward-policy');
      expect(c.status, JSON.stringify(report.checks.filter((x) => x.status !== 'pass'), null, 1)).toBe('fail');
      expect(c.summary).toBe(`ip6tables FORWARD policy DROP and nothing accepts ${pair.bridge}'s IPv6 traffic: web -> db over IPv6 is dropped by it`);
      expect(c.evidence).toContain('ip6tables -P FORWARD DROP');
      expect(c.evidence.join('\n')).toMatch(/ip6tables FORWARD policy DROP counted [1-9]\d* packet/);
      expect(c.fix).toBe(`tsdiag --host-netns ${sb.name} system reconcile`);
      expect(pair.check(report, 'reach.icmp').summary).toContain('because of');
      const br = pair.check(report, 'kernel.br-netfilter');
      expect(br.summary).toBe(`IPv6 traffic within ${pair.bridge} is handed to ip6tables (bridge-nf-call-ip6tables = 1) and dropped by ip6tables FORWARD policy DROP: web -> db over IPv6 fails`);
      expect(br.fix).toBe(`ip netns exec ${sb.name} ip6tables -I FORWARD -i ${pair.bridge} -o ${pair.bridge} -j ACCEPT`);
      await pair.runFix(c.fix!);
      const after = (await pair.doctor()).report;
      expect(failures(after)).toEqual([]);
      expect(pair.check(after, 'fw.forward-policy').summary).toMatch(/ip6tables FORWARD policy DROP, but \S+'s IPv6 traffic is accepted by ip6tables filter TSDIAG-FORWARD/);
    } finally {
      await ip6('-P', 'FORWARD', 'ACCEPT');
    }
  });

  it('bridge-nf-call-ip6tables = 0 under an ip6tables DROP for db: kernel.br-netfilter warns naming the rule; the sysctl fix enforces it', async () => {
    const inHost = (...args: string[]) => execa('ip', ['netns', 'exec', sb.name, ...args]);
    const drop = ['TSDIAG-USER', '-d', `${v6('db')}/128`, '-p', 'tcp', '--dport', '5432', '-j', 'DROP'];
    await inHost('sysctl', '-qw', 'net.bridge.bridge-nf-call-ip6tables=0');
    await inHost('ip6tables', '-I', ...drop);
    try {
      const { report } = await pair.doctor();
      const c = pair.check(report, 'kernel.br-netfilter');
      expect(c.status).toBe('warn');
      expect(c.summary).toBe(`IPv6 traffic within ${pair.bridge} bypasses ip6tables (bridge-nf-call-ip6tables = 0): 1 DROP/REJECT rule(s) meant for it are never applied`);
      expect(c.evidence).toContain(`not enforced: ip6tables filter TSDIAG-USER #1: -A TSDIAG-USER -d ${v6('db')}/128 -p tcp -m tcp --dport 5432 -j DROP`);
      expect(c.fix).toBe(`ip netns exec ${sb.name} sysctl -w net.bridge.bridge-nf-call-ip6tables=1`);
      expect(pair.check(report, 'reach.tcp').summary).toMatch(/over IPv4 and IPv6/);
      await pair.runFix(c.fix!);
      const after = (await pair.doctor()).report;
      expect(pair.check(after, 'kernel.br-netfilter').summary).toMatch(/IPv6 traffic within \S+ goes through ip6tables \(bridge-nf-call-ip6tables = 1\)/);
      // the rule is enforced now: db's port is closed over IPv6, and fw.rule-drop names it
      expect(pair.check(after, 'fw.rule-drop').summary).toContain(`ip6tables filter TSDIAG-USER drops web -> db`);
    } finally {
      await inHost('ip6tables', '-D', ...drop).catch(() => undefined);
      await inHost('sysctl', '-qw', 'net.bridge.bridge-nf-call-ip6tables=1');
    }
  });

  it('IPv6 forwarding off on the host: kernel.ip-forward names it, the bridged pair still reaches over both families', async () => {
    await execa('ip', ['netns', 'exec', sb.name, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=0']);
    const { exitCode, report } = await pair.doctor();
    expect(exitCode).toBe(1);
    const c = pair.check(report, 'kernel.ip-forward');
    expect(c.summary).toMatch(/^IPv6 forwarding is off in the host namespace \(net\.ipv6\.conf\.all\.forwarding = 0\)/);
    expect(failures(report)).toEqual([`kernel.ip-forward: ${c.summary}`]);
    expect(pair.check(report, 'reach.tcp').summary).toMatch(/over IPv4 and IPv6/);
    await pair.runFix(c.fix!);
    expect(failures((await pair.doctor()).report)).toEqual([]);
  });

  const inNs = (name: string, ...args: string[]) => execa('ip', ['-n', sb.containerNetns(name), ...args]);

  it('cache claims db\'s IPv6 address too: addr.duplicate names both, the fix removes it and the entry web learned from it', async () => {
    await inNs('cache', '-6', 'addr', 'add', `${v6('db')}/64`, 'dev', 'eth0', 'nodad');
    // web asks again now: the answer that wins may be cache's
    await inNs('web', '-6', 'neigh', 'flush', 'dev', 'eth0');
    const c = await expectCause('addr.duplicate', new RegExp(`IPv6 address ${v6('db')} is claimed twice on app: by db and by cache`));
    expect(c.fix).toMatch(new RegExp(`^tsdiag --host-netns ${sb.name} exec cache -- ip addr del ${v6('db')}/64 dev eth0`));
  });

  it('web\'s NDP entry for db pointing at a wrong MAC: neigh.stale names the entry, the family and its fix', async () => {
    await inNs('web', '-6', 'neigh', 'replace', v6('db'), 'lladdr', '02:42:ac:12:00:63', 'dev', 'eth0', 'nud', 'permanent');
    const c = await expectCause('neigh.stale', new RegExp(`web's IPv6 neighbour entry for db \\(${v6('db')}\\) points to 02:42:ac:12:00:63, a MAC no container on the network has`));
    expect(c.fix).toBe(`tsdiag --host-netns ${sb.name} exec web -- ip neigh del ${v6('db')} dev eth0`);
  });

  it('db\'s IPv6 address dadfailed (cache answered for it first): addr.duplicate names DAD and cache, the fix adds it again', async () => {
    await inNs('cache', '-6', 'addr', 'add', `${v6('db')}/64`, 'dev', 'eth0', 'nodad');
    await inNs('db', '-6', 'addr', 'del', `${v6('db')}/64`, 'dev', 'eth0');
    await inNs('db', '-6', 'addr', 'add', `${v6('db')}/64`, 'dev', 'eth0');
    await waitFor(async () => (await inNs('db', '-6', 'addr', 'show', 'dev', 'eth0')).stdout.includes('dadfailed'));
    const c = await expectCause('addr.duplicate', new RegExp(`db's IPv6 address ${v6('db')} on eth0 failed duplicate address detection \\(dadfailed\\): cache claims it too`));
    expect(c.fix).toContain(`exec db -- ip -6 addr add ${v6('db')}/64 dev eth0 nodad`);
    expect((await inNs('db', '-6', 'addr', 'show', 'dev', 'eth0')).stdout).not.toContain('dadfailed');
  });

  it('db\'s IPv6 address still tentative (DAD slowed to a minute): addr.duplicate says so, the fix adds it with nodad', async () => {
    const slow = ['net.ipv6.conf.eth0.dad_transmits=1', 'net.ipv6.neigh.eth0.retrans_time_ms=60000'];
    const before = (await execa('ip', ['netns', 'exec', sb.containerNetns('db'), 'sysctl', '-n', 'net.ipv6.neigh.eth0.retrans_time_ms'])).stdout.trim();
    try {
      for (const kv of slow) await execa('ip', ['netns', 'exec', sb.containerNetns('db'), 'sysctl', '-qw', kv]);
      await inNs('db', '-6', 'addr', 'del', `${v6('db')}/64`, 'dev', 'eth0');
      await inNs('db', '-6', 'addr', 'add', `${v6('db')}/64`, 'dev', 'eth0');
      const c = await expectCause('addr.duplicate', new RegExp(`db's IPv6 address ${v6('db')} on eth0 is still tentative`));
      expect(c.fix).toContain(`nodad`);
    } finally {
      await execa('ip', ['netns', 'exec', sb.containerNetns('db'), 'sysctl', '-qw', `net.ipv6.neigh.eth0.retrans_time_ms=${before}`]);
    }
  });

  it('db behind a router over a 1400-byte link (S5\'s mechanism): path.mtu finds the path MTU per family and names the router its Packet Too Big came from', async () => {
    const net = state.networks.app;
    const db = state.containers.db.endpoints[0];
    const site: MtuRouterSite = {
      hostNetns: sb.name, router: `${sb.name}-mtur`, bridge: pair.bridge, bridgeMtu: 1500, subnet: net.subnet, hostIf: db.hostIf, peerIpv4: db.ipv4,
      neighbourTables: ['web', 'db', 'cache'].map((n) => sb.containerNetns(n)),
      ipv6: { subnet: net.subnet6, peer: v6('db'), neighbours: [net.gateway6, v6('web'), v6('cache')] },
    };
    const router6 = formatIpv6(lastAddress6(parseCidr6(net.subnet6)) - 1n);
    const mtuOnly = async () => JSON.parse((await sb.cli(['doctor', 'web', 'db', '--port', '5432', '--json', '--check', '^(reach\\.icmp|path\\.mtu)$'])).stdout) as DoctorJson;
    try {
      await putBehindMtuRouter(site);
      const report = await mtuOnly();
      expect(pair.check(report, 'reach.icmp').summary).toMatch(/over IPv4 and IPv6/);
      const c = pair.check(report, 'path.mtu');
      expect(c.status, JSON.stringify(c.evidence)).toBe('fail');
      expect(c.summary).toBe(`packets over 1400 bytes do not reach db over IPv4 and IPv6: web sends up to 1500; ${router6} reports a 1400-byte link`);
      expect(c.evidence).toContain(`an ICMPv6 Packet Too Big came back from ${router6}, the router before the narrow link (mtu 1400): path MTU discovery works, at a cost`);
      expect(c.evidence).toContain('no ICMP "fragmentation needed" came back: path MTU discovery is blackholed, large packets (big responses, TLS handshakes) vanish');
      expect(c.fix).toBe(`ip netns exec ${sb.containerNetns('web')} ip link set dev eth0 mtu 1400`);
      await pair.runFix(c.fix!);
      expect(pair.check(await mtuOnly(), 'path.mtu').summary).toMatch(/reaches db over IPv4 and IPv6: the path carries the full MTU 1400/);
    } finally {
      // back to 1500: the IPv6 path MTU web learned from the Packet Too Big (1400, its own MTU then) rises with it
      await inNs('web', 'link', 'set', 'dev', 'eth0', 'mtu', '1500');
      await takeFromMtuRouter(site);
    }
    expect(pair.check(await mtuOnly(), 'path.mtu').summary).toMatch(/reaches db over IPv4 and IPv6: the path carries the full MTU 1500/);
  });

  it('a host route inside the network\'s IPv6 subnet: ipam.overlap names it and its fix deletes it', async () => {
    const inHost = (...args: string[]) => execa('ip', ['-n', sb.name, ...args]);
    // no dummy module here: a veth pair inside the sandbox's host namespace plays the VPN's link
    await inHost('link', 'add', 'v6xdum', 'type', 'veth', 'peer', 'name', 'v6xdum1');
    for (const l of ['v6xdum', 'v6xdum1']) await inHost('link', 'set', l, 'up');
    const inside = state.networks.app.subnet6.replace('/64', '/80');
    await inHost('-6', 'route', 'add', inside, 'dev', 'v6xdum');
    const c = await expectCause('ipam.overlap', new RegExp(`network app \\(${state.networks.app.subnet6}\\) overlaps host route ${inside} dev v6xdum`));
    expect(c.fix).toBe(`ip netns exec ${sb.name} ip route del ${inside} dev v6xdum`);
  });
});

/** The doctor on an IPv6-only network (`--ipv4=false`): the path walked over IPv6 alone, no false alarm for the family it lacks. */
describe('doctor: an IPv6-only pair', () => {
  let pair: PairSandbox;
  let sb: TestSandbox;
  let state: any;
  const v6 = (name: string): string => state.containers[name].endpoints[0].ipv6;
  const inNs = (name: string, ...args: string[]) => execa('ip', ['-n', sb.containerNetns(name), ...args]);

  beforeAll(async () => {
    pair = await PairSandbox.create('v6o', [], { ipv6: true, ipv4: false });
    sb = pair.sb;
    state = await sb.state();
  });
  afterAll(async () => pair?.dispose());

  const notPassing = (r: DoctorJson) => r.checks.filter((x) => x.status === 'fail' || x.status === 'warn').map((x) => `${x.id}: ${x.summary}`);

  it('a healthy IPv6-only pair passes, the path walked over IPv6', async () => {
    const { exitCode, report } = await pair.doctor();
    expect(notPassing(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(pair.check(report, 'route.missing').summary).toBe(`web and db route each other over eth0/eth0 on app (IPv6)`);
    expect(pair.check(report, 'addr.missing').summary).toBe(`web holds ${v6('web')}, db holds ${v6('db')}`);
    expect(pair.check(report, 'neigh.stale').status).toBe('pass');
    expect(pair.check(report, 'path.mtu').summary).toMatch(/reaches db over IPv6: the path carries the full MTU 1500/);
    expect(JSON.stringify(report.path)).toContain(`db:eth0 ${v6('db')}`);
  });

  it('web\'s routes deleted: route.missing names IPv6 and the fix puts them back with the gateway', async () => {
    await inNs('web', '-6', 'route', 'del', 'default');
    await inNs('web', '-6', 'route', 'del', state.networks.app.subnet6, 'dev', 'eth0');
    const { exitCode, report } = await pair.doctor();
    expect(exitCode).toBe(1);
    const c = pair.check(report, 'route.missing');
    expect(c.summary).toMatch(new RegExp(`^web has no IPv6 route to db \\(${v6('db')}\\)`));
    expect(c.fix).toBe(`tsdiag --host-netns ${sb.name} exec web -- ip -6 route replace ${state.networks.app.subnet6} dev eth0 && tsdiag --host-netns ${sb.name} exec web -- ip -6 route replace default via ${state.networks.app.gateway6} dev eth0`);
    expect(report.checks.filter((x) => x.status === 'fail' && x.id !== 'route.missing').map((x) => x.id)).toEqual([]);
    await pair.runFix(c.fix!);
    expect(notPassing((await pair.doctor()).report)).toEqual([]);
  });

  it('db without its address: addr.missing names it, the fix adds it with nodad', async () => {
    await inNs('db', '-6', 'addr', 'del', `${v6('db')}/64`, 'dev', 'eth0');
    const { report } = await pair.doctor();
    const c = pair.check(report, 'addr.missing');
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`db's eth0 does not hold its IPv6 address ${v6('db')}/64 on app`);
    expect(report.checks.filter((x) => x.status === 'fail' && x.id !== 'addr.missing').map((x) => x.id)).toEqual([]);
    await pair.runFix(c.fix!);
    await inNs('db', '-6', 'route', 'replace', 'default', 'via', state.networks.app.gateway6, 'dev', 'eth0');
    expect(notPassing((await pair.doctor()).report)).toEqual([]);
  });
});
