import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpClient, tcpEchoServer, TestSandbox, waitFor } from '../helpers/sandbox.js';
import { parseIptablesSave, restoreScript } from '../../src/netcore/bridge/firewall/rules.js';
import { describeWithEngine, docker, removeRunObjects, TEST_IMAGE, TEST_RUN_LABEL, uniqueRunId, type DockerEngine } from '../helpers/docker.js';

/** What the sandbox host looks like in IPv6 terms too: ip6tables and every IPv6 address, beside the helper's snapshot. */
async function snapshot6(sb: TestSandbox): Promise<string> {
  const [rules, addrs] = await Promise.all([
    execa('ip', ['netns', 'exec', sb.name, 'ip6tables-save'], { reject: false }),
    execa('ip', ['-n', sb.name, '-6', '-o', 'addr', 'show'], { reject: false }),
  ]);
  const ruleLines = String(rules.stdout).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')).join('\n');
  const addrLines = String(addrs.stdout).split('\n').map((l) => l.replace(/^\d+: /, '').replace(/\s+valid_lft.*$/, '')).filter((l) => !l.includes('fe80::')).sort();
  return `${await sb.snapshot()}\n${ruleLines}\n${addrLines.join('\n')}`;
}

const globalAddr = async (sb: TestSandbox, netns: string) =>
  (await sb.inNetns(netns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;

describe('netcore: dual-stack networks', () => {
  let sb: TestSandbox;
  let state: Awaited<ReturnType<TestSandbox['state']>>;
  beforeAll(async () => {
    sb = await TestSandbox.create('v6n');
    await sb.ok(['network', 'create', '--ipv6', 'app']);
    await sb.ok(['network', 'create', '--ipv6', '--subnet', '10.77.0.0/24', '--subnet', 'fd00:77::/64', '--gateway', 'fd00:77::fe', 'other']);
    await sb.ok(['run', '--name', 'web', '--network', 'app', '-p', '8080:80']);
    await sb.ok(['run', '--name', 'cli', '--network', 'app']);
    await sb.ok(['run', '--name', 'far', '--network', 'other', '--ip6', 'fd00:77::99']);
    sb.background(sb.containerNetns('web'), tcpEchoServer(80, 'web', '::'));
    state = await sb.state();
    await waitFor(async () => (await sb.inNetns(sb.containerNetns('web'), ['ss', '-ltnH', 'sport = :80'])).stdout.includes(':80'));
  }, 120_000);
  afterAll(async () => sb?.dispose());

  const v6 = (c: string) => state.containers[c].endpoints[0].ipv6 as string;

  it("picks a /64 of the host's ULA /48 and gives the gateway ::1; a given subnet and gateway are kept", () => {
    const app = state.networks.app;
    expect(app.subnet6).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    expect(app.gateway6).toBe(app.subnet6.replace('/64', '1'));
    expect(app.subnet).toMatch(/^172\.\d+\.0\.0\/16$/);
    expect(state.networks.other).toMatchObject({ subnet: '10.77.0.0/24', subnet6: 'fd00:77::/64', gateway6: 'fd00:77::fe', enableIPv4: true });
    expect(v6('web')).toBe(app.subnet6.replace('/64', '2'));
    expect(v6('far')).toBe('fd00:77::99');
  });

  it('a container has its address without DAD, a link-local one, the v6 default route, disable_ipv6=0 and accept_ra=0', async () => {
    const ns = sb.containerNetns('web');
    expect(await globalAddr(sb, ns)).toMatch(new RegExp(`inet6 ${v6('web')}/64 scope global nodad`));
    expect((await sb.inNetns(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])).stdout).toMatch(/inet6 fe80::/);
    expect((await sb.inNetns(ns, ['ip', '-6', 'route', 'show', 'default'])).stdout).toContain(`default via ${state.networks.app.gateway6} dev eth0`);
    for (const [key, want] of [['disable_ipv6', '0'], ['accept_ra', '0']]) {
      expect((await sb.inNetns(ns, ['cat', `/proc/sys/net/ipv6/conf/eth0/${key}`])).stdout.trim(), key).toBe(want);
    }
    expect((await sb.inNetns(sb.name, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim()).toBe('1');
  });

  it('ping -6 between containers and to the gateway', async () => {
    const ping = (from: string, to: string) => sb.inNetns(sb.containerNetns(from), ['ping', '-6', '-c', '1', '-W', '2', to]);
    expect((await ping('cli', v6('web'))).exitCode).toBe(0);
    expect((await ping('cli', state.networks.app.gateway6)).exitCode).toBe(0);
    expect((await ping('far', 'fd00:77::fe')).exitCode).toBe(0);
  });

  it('a TCP server on :: answers over IPv6 with the client\'s own address', async () => {
    const res = await sb.inNetns(sb.containerNetns('cli'), tcpClient(v6('web'), 80));
    expect(res.stdout.trim()).toBe(`web ${v6('cli')}`);
  });

  it('the published port answers over IPv6 from the sandbox host and from the outside namespace', async () => {
    const fromHost = await sb.inNetns(sb.name, tcpClient('2001:2::2', 8080));
    expect(fromHost.stdout.trim()).toBe('web 2001:2::2');
    const fromOutside = await sb.inNetns(sb.outsideNetns, tcpClient('2001:2::2', 8080));
    expect(fromOutside.stdout.trim()).toBe('web 2001:2::1');
    // and over IPv4 as before
    expect((await sb.inNetns(sb.outsideNetns, tcpClient('198.18.0.2', 8080))).stdout.trim()).toBe('web 198.18.0.1');
  });

  it('-p [v6]:port and -p [::]:port publish on IPv6 only, -p 0.0.0.0:port on IPv4 only; port and inspect list them as Docker does', async () => {
    await sb.ok(['run', '--name', 'pub', '--network', 'app', '-p', '[2001:2::2]:8090:80', '-p', '[::]:8091:80', '-p', '0.0.0.0:8092:80']);
    try {
      sb.background(sb.containerNetns('pub'), tcpEchoServer(80, 'pub', '::'));
      await waitFor(async () => (await sb.inNetns(sb.containerNetns('pub'), ['ss', '-ltnH', 'sport = :80'])).stdout.includes(':80'));
      const from = async (ns: string, host: string, port: number) => (await sb.inNetns(ns, tcpClient(host, port, 1500))).stdout.trim();
      for (const ns of [sb.name, sb.outsideNetns]) {
        const me = ns === sb.name ? '2001:2::2' : '2001:2::1';
        expect(await from(ns, '2001:2::2', 8090), `[2001:2::2]:8090 from ${ns}`).toBe(`pub ${me}`);
        expect(await from(ns, '2001:2::2', 8091), `[::]:8091 from ${ns}`).toBe(`pub ${me}`);
        expect(await from(ns, '198.18.0.2', 8092), `0.0.0.0:8092 from ${ns}`).toBe(`pub ${me === '2001:2::2' ? '198.18.0.2' : '198.18.0.1'}`);
        // and nothing in the other family
        expect(await from(ns, '198.18.0.2', 8090)).toBe('');
        expect(await from(ns, '198.18.0.2', 8091)).toBe('');
        expect(await from(ns, '2001:2::2', 8092)).toBe('');
      }
      const nat6 = (await sb.inNetns(sb.name, ['ip6tables-save', '-t', 'nat'])).stdout;
      expect(nat6).toMatch(/! -s fe80::\/10 -d 2001:2::2\/128 -p tcp -m tcp --dport 8090 -j DNAT/);
      expect(nat6).not.toMatch(/--dport 8092 /);
      expect((await sb.inNetns(sb.name, ['iptables-save', '-t', 'nat'])).stdout).not.toMatch(/--dport 809[01] /);
      expect(await sb.ok(['port', 'pub'])).toBe('80/tcp -> [2001:2::2]:8090\n80/tcp -> [::]:8091\n80/tcp -> 0.0.0.0:8092');
      expect(await sb.ok(['port', 'web', '80'])).toBe('0.0.0.0:8080\n[::]:8080');
      const [c] = JSON.parse(await sb.ok(['inspect', 'web']));
      expect(c.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }] });
    } finally {
      await sb.ok(['rm', '-f', 'pub']);
    }
  });

  it('addresses are handed out serially in both families: after rm the next container gets the next address, not the freed one', async () => {
    await sb.ok(['run', '--name', 's1', '--network', 'app']);
    await sb.ok(['run', '--name', 's2', '--network', 'app']);
    await sb.ok(['rm', 's1']);
    await sb.ok(['run', '--name', 's3', '--network', 'app']);
    try {
      const s = await sb.state();
      const [e1, e2, e3] = ['s1', 's2', 's3'].map((n) => s.containers[n]?.endpoints[0]);
      expect(e1).toBeUndefined();
      const next6 = (a: string) => a.replace(/([0-9a-f]+)$/, (h) => (parseInt(h, 16) + 1).toString(16));
      const next4 = (a: string) => a.replace(/(\d+)$/, (d) => String(Number(d) + 1));
      expect(e3.ipv6).toBe(next6(e2.ipv6));
      expect(e3.ipv4).toBe(next4(e2.ipv4));
      expect(s.networks.app).toMatchObject({ lastAllocated: e3.ipv4, lastAllocated6: e3.ipv6 });
      expect(await globalAddr(sb, sb.containerNetns('s3'))).toContain(`inet6 ${e3.ipv6}/64`);
    } finally {
      await sb.ok(['rm', 's2', 's3']);
    }
  });

  it('traffic leaving the host from a ULA is masqueraded to the uplink address', async () => {
    expect((await sb.inNetns(sb.containerNetns('cli'), ['ping', '-6', '-c', '1', '-W', '2', '2001:2::1'])).exitCode).toBe(0);
  });

  it('ip6tables isolates two networks as iptables does', async () => {
    const v6far = await sb.inNetns(sb.containerNetns('far'), ['ping', '-6', '-c', '1', '-W', '1', v6('web')]);
    expect(v6far.exitCode).not.toBe(0);
    const v4far = await sb.inNetns(sb.containerNetns('far'), ['ping', '-c', '1', '-W', '1', state.containers.web.endpoints[0].ipv4]);
    expect(v4far.exitCode).not.toBe(0);
    const rules = (await sb.inNetns(sb.name, ['ip6tables-save'])).stdout;
    expect(rules).toContain(`-A TSDIAG-ISOLATION-STAGE-2 -o ${state.networks.other.device} -j DROP`);
  });

  it('the rules written read back as the state wants them (iptables-save prints them as tsdiag writes them): no restore left to do', async () => {
    for (const [family, tool] of [[4, 'iptables-save'], [6, 'ip6tables-save']] as const) {
      const saved = (await sb.inNetns(sb.name, [tool])).stdout;
      expect(restoreScript(await sb.state(), parseIptablesSave(saved), family), tool).toBeNull();
    }
  });

  it('network inspect shows IPAM.Config for both families and each IPv6Address; container inspect the GlobalIPv6Address', async () => {
    const [net] = JSON.parse(await sb.ok(['network', 'inspect', 'app']));
    expect(net.EnableIPv6).toBe(true);
    expect(net.EnableIPv4).toBe(true);
    expect(net.IPAM.Config).toEqual([
      { Subnet: state.networks.app.subnet, Gateway: state.networks.app.gateway },
      { Subnet: state.networks.app.subnet6, Gateway: state.networks.app.gateway6 },
    ]);
    expect(net.Containers[state.containers.web.id].IPv6Address).toBe(`${v6('web')}/64`);
    const [c] = JSON.parse(await sb.ok(['inspect', 'web']));
    expect(c.NetworkSettings.Networks.app).toMatchObject({ GlobalIPv6Address: v6('web'), GlobalIPv6PrefixLen: 64, IPv6Gateway: state.networks.app.gateway6 });
  });

  it('an IPv6-only network (--ipv4=false): no IPv4 anywhere, the gateway answers, inspect says so', async () => {
    await sb.ok(['network', 'create', '--ipv6', '--ipv4=false', 'only6']);
    await sb.ok(['run', '--name', 'solo', '--network', 'only6']);
    const s = await sb.state();
    expect(s.networks.only6).toMatchObject({ subnet: null, gateway: null, enableIPv4: false });
    expect(s.containers.solo.endpoints[0]).toMatchObject({ ipv4: '', prefixLen: 0 });
    const ns = sb.containerNetns('solo');
    expect((await sb.inNetns(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout).toBe('');
    expect((await sb.inNetns(ns, ['ping', '-6', '-c', '1', '-W', '2', s.networks.only6.gateway6])).exitCode).toBe(0);
    const [net] = JSON.parse(await sb.ok(['network', 'inspect', 'only6']));
    expect(net).toMatchObject({ EnableIPv4: false, EnableIPv6: true, IPAM: { Config: [{ Subnet: s.networks.only6.subnet6 }] } });
    await sb.ok(['rm', 'solo']);
    await sb.ok(['network', 'rm', 'only6']);
  });

  it('removing the last IPv6 network takes the ip6tables chains with it', async () => {
    await sb.ok(['rm', 'web', 'cli', 'far']);
    await sb.ok(['network', 'rm', 'app', 'other']);
    expect((await sb.inNetns(sb.name, ['ip6tables-save'])).stdout).not.toMatch(/TSDIAG/);
  });
});

describe('netcore: macvlan --ipv6', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await TestSandbox.create('v6m');
  }, 60_000);
  afterAll(async () => sb?.dispose());

  it('containers get their IPv6 address on the macvlan link and the default route via the gateway; ping -6 between them and to the wire', async () => {
    // the sandbox uplink's own wire: 2001:2::1 (the outside namespace) is the gateway
    await sb.ok(['network', 'create', '-d', 'macvlan', '--ipv6', '--subnet', '198.18.0.0/24', '--gateway', '198.18.0.1', '--ip-range', '198.18.0.64/26',
      '--subnet', '2001:2::/64', '--gateway', '2001:2::1', '-o', 'parent=eth0', 'lan6']);
    await sb.ok(['run', '--name', 'm1', '--network', 'lan6', '--ip6', '2001:2::10']);
    await sb.ok(['run', '--name', 'm2', '--network', 'lan6', '--ip6', '2001:2::11']);
    const [net] = JSON.parse(await sb.ok(['network', 'inspect', 'lan6']));
    expect(net).toMatchObject({ Driver: 'macvlan', EnableIPv6: true });
    expect(net.IPAM.Config).toContainEqual({ Subnet: '2001:2::/64', Gateway: '2001:2::1' });
    for (const [name, addr] of [['m1', '2001:2::10'], ['m2', '2001:2::11']]) {
      const ns = sb.containerNetns(name);
      const link = JSON.parse((await sb.inNetns(ns, ['ip', '-d', '-j', 'link', 'show', 'eth0'])).stdout)[0];
      expect(link.linkinfo.info_kind).toBe('macvlan');
      expect(await globalAddr(sb, ns)).toMatch(new RegExp(`inet6 ${addr}/64 scope global nodad`));
      expect((await sb.inNetns(ns, ['ip', '-6', 'route', 'show', 'default'])).stdout).toContain('default via 2001:2::1 dev eth0');
      expect((await sb.inNetns(ns, ['cat', '/proc/sys/net/ipv6/conf/eth0/accept_ra'])).stdout.trim()).toBe('0');
    }
    const ping = (from: string, to: string) => sb.inNetns(sb.containerNetns(from), ['ping', '-6', '-c', '1', '-W', '2', to]);
    expect((await ping('m1', '2001:2::11')).exitCode).toBe(0);
    expect((await ping('m2', '2001:2::10')).exitCode).toBe(0);
    expect((await ping('m1', '2001:2::1')).exitCode).toBe(0); // the outside namespace on the parent's wire, no NAT
    // a macvlan network writes no ip6tables rules
    expect((await sb.inNetns(sb.name, ['ip6tables-save'])).stdout).not.toMatch(/TSDIAG/);
    await sb.ok(['rm', 'm1', 'm2']);
    await sb.ok(['network', 'rm', 'lan6']);
  });

  it('an IPv6-only macvlan (--ipv4=false) with the gateway picked by IPAM (::1)', async () => {
    await sb.ok(['network', 'create', '-d', 'macvlan', '--ipv6', '--ipv4=false', '--subnet', 'fd00:66::/64', '-o', 'parent=eth0', 'lan66']);
    await sb.ok(['run', '--name', 'm3', '--network', 'lan66']);
    await sb.ok(['run', '--name', 'm4', '--network', 'lan66']);
    const s = await sb.state();
    expect(s.containers.m3.endpoints[0]).toMatchObject({ ipv4: '', ipv6: 'fd00:66::2' });
    expect((await sb.inNetns(sb.containerNetns('m3'), ['ip', '-6', 'route', 'show', 'default'])).stdout).toContain('default via fd00:66::1 dev eth0');
    expect((await sb.inNetns(sb.containerNetns('m3'), ['ping', '-6', '-c', '1', '-W', '2', 'fd00:66::3'])).exitCode).toBe(0);
    await sb.ok(['rm', 'm3', 'm4']);
    await sb.ok(['network', 'rm', 'lan66']);
  });
});

describe('netcore: IPv6 bad input changes nothing and exits 2', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await TestSandbox.create('v6b');
    await sb.ok(['network', 'create', '--ipv6', '--subnet', 'fd00:88::/64', 'app']);
    await sb.ok(['run', '--name', 'db', '--network', 'app', '--ip6', 'fd00:88::5']);
  }, 60_000);
  afterAll(async () => sb?.dispose());

  const cases: Array<[string, string[], RegExp]> = [
    ['a bad IPv6 CIDR', ['network', 'create', '--ipv6', '--subnet', 'fd00:zz::/64', 'n1'], /invalid IPv6 CIDR/],
    ['host bits in an IPv6 CIDR', ['network', 'create', '--ipv6', '--subnet', 'fd00:1::1/64', 'n1'], /host bits set/],
    ['a link-local subnet', ['network', 'create', '--ipv6', '--subnet', 'fe80::/64', 'n1'], /link-local/],
    ['a non-ULA pool', ['network', 'create', '--ipv6', '--ipv6-pool', '2001:db8::/48', 'n1'], /not a unique local prefix/],
    ['an overlapping IPv6 subnet', ['network', 'create', '--ipv6', '--subnet', 'fd00:88::/56', 'n1'], /overlaps/],
    ['an IPv6 gateway outside the subnet', ['network', 'create', '--ipv6', '--subnet', 'fd00:99::/64', '--gateway', 'fd00:98::1', 'n1'], /not a usable address/],
    ['an IPv6 subnet without --ipv6', ['network', 'create', '--subnet', 'fd00:99::/64', 'n1'], /needs --ipv6/],
    ['two IPv6 subnets', ['network', 'create', '--ipv6', '--subnet', 'fd00:99::/64', '--subnet', 'fd00:9a::/64', 'n1'], /given twice/],
    ['--ipv4=false without --ipv6', ['network', 'create', '--ipv4=false', 'n1'], /needs --ipv6/],
    ['--ipv4=garbage', ['network', 'create', '--ipv4=maybe', 'n1'], /expected true or false/],
    ['--ip6 outside the subnet', ['run', '--name', 'x', '--network', 'app', '--ip6', 'fd00:1::5'], /not a usable address/],
    ['--ip6 taken', ['run', '--name', 'x', '--network', 'app', '--ip6', 'fd00:88::5'], /already in use/],
    ['--ip6 the gateway', ['run', '--name', 'x', '--network', 'app', '--ip6', 'fd00:88::1'], /already in use/],
    ['a bad --ip6', ['run', '--name', 'x', '--network', 'app', '--ip6', 'fd00::88::5'], /invalid IPv6 address/],
    ['--ip6 on an IPv4-only network', ['run', '--name', 'x', '--ip6', 'fd00:88::9'], /has no IPv6 subnet/],
    ['-p with an IPv6 host IP out of brackets', ['run', '--name', 'x', '--network', 'app', '-p', '2001:2::2:8080:80'], /goes in brackets/],
    ['-p with a bad IPv6 host IP', ['run', '--name', 'x', '--network', 'app', '-p', '[2001:2::zz]:8080:80'], /invalid IPv6 host IP/],
    ['-p with an IPv4 address in brackets', ['run', '--name', 'x', '--network', 'app', '-p', '[198.18.0.2]:8080:80'], /invalid IPv6 host IP/],
    ['-p [::] on an IPv4-only network', ['run', '--name', 'x', '-p', '[::]:8080:80'], /has no IPv6 subnet/],
    ['port of a port not published', ['port', 'db', '80'], /No public port '80\/tcp' published for db/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    const before = await snapshot6(sb);
    const res = await sb.cli(args);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(await snapshot6(sb)).toBe(before);
  });

  it('a failure at any step of a dual-stack network and container create leaves nothing behind', async () => {
    for (const args of [['network', 'create', '--ipv6', 'n2'], ['run', '--name', 'w', '--network', 'app', '-p', '8081:80']]) {
      const before = await snapshot6(sb);
      let k = 0;
      for (; k < 40; k++) {
        const res = await sb.cli(args, { env: { TSDIAG_FAIL_AT_STEP: String(k) } });
        if (res.exitCode === 0) break;
        expect(res.stderr, `step ${k}`).toMatch(/injected failure before step/);
        expect(await snapshot6(sb), `after a failure at step ${k} of ${args.join(' ')}`).toBe(before);
      }
      expect(k).toBeGreaterThanOrEqual(6);
    }
  }, 120_000);

  it('the sandbox and everything in it is gone after rm', async () => {
    await sb.dispose();
    await waitFor(async () => !(await execa('ip', ['netns', 'list'])).stdout.includes(sb.name));
    expect(String((await execa('ls', ['/etc/netns'])).stdout)).not.toContain(sb.name);
  });
});

/**
 * A rule as a kind: chains, bridges, addresses and ports named by role, so two
 * hosts' rules compare. Docker 26 keeps its per-bridge FORWARD and POSTROUTING
 * rules in the built-in chains, tsdiag in TSDIAG-FORWARD/-POSTROUTING: one kind.
 */
const ADDRESS = /^(\[[0-9a-f:]+\]|[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*|\d+\.\d+\.\d+\.\d+)(\/\d+)?(:\d+)?$/;
function ruleKinds(save: string, chainPrefix: string, bridge: string): string[] {
  const kinds = new Set<string>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    // a DNAT names no bridge without a userland proxy's `! -i BRIDGE`: any stands for its kind
    if (!line.startsWith('-A ') || !(line.includes(bridge) || line.includes('-j DNAT'))) continue;
    const tokens = line.replace(/! -s fe80::\/10 /, '').replace(/^-A (FORWARD|POSTROUTING) /, `-A ${chainPrefix}-$1 `).split(' ');
    const kind = tokens.map((t, i) => {
      if (t === bridge) return 'BR';
      if (tokens[i - 1] === '--dport') return 'PORT';
      if (ADDRESS.test(t)) return 'ADDR';
      return t.startsWith(chainPrefix) ? `OWN${t.slice(chainPrefix.length)}` : t;
    });
    kinds.add(`${table} ${kind.join(' ')}`);
  }
  return [...kinds].sort();
}

/** The rule kinds of an engine with its userland proxy (the default) as they stand with --userland-proxy=false. */
const noProxyLayout = (kinds: string[]): string[] =>
  [...new Set(kinds.filter((k) => k !== 'nat -A OWN -i BR -j RETURN').map((k) => (/-j DNAT/.test(k) ? k.replace('! -i BR ', '') : k)))].sort();

describeWithEngine('netcore: a dual-stack network as Docker 26 builds it', (engine: DockerEngine) => {
  const runId = uniqueRunId();
  const label = ['--label', `${TEST_RUN_LABEL}=${runId}`];
  let sb: TestSandbox;
  let dockerBridge = '';
  let dockerPid = 0;
  beforeAll(async () => {
    sb = await TestSandbox.create('v6d');
    await docker(engine, ['network', 'create', '--ipv6', '--subnet', 'fd00:6e:1::/64', '--subnet', '10.166.0.0/24', ...label, `v6n-${runId}`]);
    await docker(engine, ['run', '-d', '--name', `v6n-${runId}-web`, '--network', `v6n-${runId}`, '-p', '18080:80', ...label, TEST_IMAGE, 'sleep', '300']);
    const id = (await docker(engine, ['network', 'inspect', '-f', '{{.Id}}', `v6n-${runId}`])).stdout.trim();
    dockerBridge = `br-${id.slice(0, 12)}`;
    dockerPid = Number((await docker(engine, ['inspect', '-f', '{{.State.Pid}}', `v6n-${runId}-web`])).stdout.trim());
    await sb.ok(['network', 'create', '--ipv6', '--subnet', 'fd00:6e:1::/64', '--subnet', '10.166.0.0/24', 'app']);
    await sb.ok(['run', '--name', 'web', '--network', 'app', '-p', '18080:80']);
  }, 120_000);
  afterAll(async () => {
    await removeRunObjects(engine, runId);
    await sb?.dispose();
  });

  it('the same kinds of rules: ip6tables where the engine writes it, else its iptables rules (which Docker 27+ mirrors into ip6tables)', async () => {
    const inNs = async (ns: string, cmd: string[]) => String((await execa('ip', ['netns', 'exec', ns, ...cmd])).stdout);
    const dockerV6 = await inNs(engine.netns, ['ip6tables-save']);
    const ownBridge = (await sb.state()).networks.app.device;
    const ours = ruleKinds(await inNs(sb.name, ['ip6tables-save']), 'TSDIAG', ownBridge);
    const docker6 = ruleKinds(dockerV6, 'DOCKER', dockerBridge);
    // Docker 26 writes ip6tables only with --experimental --ip6tables (the default from 27 on)
    // tsdiag runs no userland proxy: its NAT is Docker's --userland-proxy=false layout (no RETURN for the bridge, DNAT from it too)
    const theirs = noProxyLayout(docker6.length ? docker6 : ruleKinds(await inNs(engine.netns, ['iptables-save']), 'DOCKER', dockerBridge));
    if (!docker6.length) console.warn(`[${engine.release}] the engine writes no ip6tables rules (ip6tables off): compared with its iptables rules`);
    // forward, conntrack, icc, the ports chain, both isolation stages, MASQUERADE, DNAT, port ACCEPT, hairpin
    expect(ours.length).toBeGreaterThanOrEqual(8);
    expect(ours).toEqual(theirs);
  });

  it("the container's interface as Docker's: nodad global address, link-local, default route via the v6 gateway, IPv6 on", async () => {
    const theirs = await execa('nsenter', ['-t', String(dockerPid), '-n', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    expect(String(theirs.stdout)).toMatch(/inet6 fd00:6e:1::2\/64 scope global nodad/);
    expect(await globalAddr(sb, sb.containerNetns('web'))).toMatch(/inet6 fd00:6e:1::2\/64 scope global nodad/);
    for (const cmd of [['ip', '-6', 'route', 'show', 'default'], ['cat', '/proc/sys/net/ipv6/conf/eth0/disable_ipv6']]) {
      const d = String((await execa('nsenter', ['-t', String(dockerPid), '-n', ...cmd])).stdout).replace(/ pref medium| proto \w+/g, '');
      const t = (await sb.inNetns(sb.containerNetns('web'), cmd)).stdout.replace(/ pref medium| proto \w+/g, '');
      expect(t, cmd.join(' ')).toBe(d);
    }
    const [dnet] = JSON.parse((await docker(engine, ['network', 'inspect', `v6n-${runId}`])).stdout);
    const [tnet] = JSON.parse(await sb.ok(['network', 'inspect', 'app']));
    expect(tnet.EnableIPv6).toBe(dnet.EnableIPv6);
    const subnets = (n: { IPAM: { Config: Array<{ Subnet: string }> } }) => n.IPAM.Config.map((c) => c.Subnet).sort();
    expect(subnets(tnet)).toEqual(subnets(dnet));
    const ipv6Of = (n: { Containers: Record<string, { IPv6Address: string }> }) => Object.values(n.Containers).map((c) => c.IPv6Address);
    expect(ipv6Of(tnet)).toEqual(ipv6Of(dnet));
  });
}, ['26']);
