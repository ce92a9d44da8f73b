import fs from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withState } from '../../src/netcore/bridge/state/store.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from '../../src/netcore/bridge/state/types.js';
import { renderEmbeddedResolvConf } from '../../src/netcore/bridge/resolvconf.js';
import { CLI, TestSandbox, waitFor } from '../helpers/sandbox.js';

/**
 * The embedded DNS server over IPv6, with real clients. netcore cannot build
 * dual-stack networks yet, so the test builds them by hand in a sandbox host
 * (bridges with IPv6 gateways, container namespaces with veths, `nodad`
 * addresses and `ip -6` default routes) and writes the state file with
 * netcore's IPv6 fields through the store, as netcore will:
 *   dual  (v6dbr0, 172.29.0.0/24 + fd00:29::/64): web, db, four (IPv4 only)
 *   only6 (v6dbr1, fd00:2a::/64, enableIPv4 false): six, db
 * The upstream is a dnsmasq on fd00:198::1 in the sandbox's outside namespace
 * (an IPv6 pair added to the uplink by hand).
 */
const GW4 = '172.29.0.1';
const GW6 = 'fd00:29::1';
const GW6_ONLY = 'fd00:2a::1';
const UPSTREAM6 = 'fd00:198::1';
const HOST_UPLINK6 = 'fd00:198::2';

interface Ep { net: 'dual' | 'only6'; v4: string | null; v6: string | null }
const CONTAINERS: Record<string, Ep[]> = {
  web: [{ net: 'dual', v4: '172.29.0.2', v6: 'fd00:29::2' }],
  db: [{ net: 'dual', v4: '172.29.0.3', v6: 'fd00:29::3' }, { net: 'only6', v4: null, v6: 'fd00:2a::3' }],
  four: [{ net: 'dual', v4: '172.29.0.4', v6: null }],
  six: [{ net: 'only6', v4: null, v6: 'fd00:2a::2' }],
};
const BRIDGE = { dual: 'v6dbr0', only6: 'v6dbr1' } as const;

describe('dns over IPv6 (AAAA, ip6.arpa, v6 listeners and upstreams)', () => {
  let sb: TestSandbox;
  let server: { proc: ResultPromise; output: () => string } | null = null;
  const madeNetns: string[] = [];
  const upstreamLog = () => fs.readFileSync(`${sb.stateDir}/dnsmasq.log`, 'utf8');

  const ip = async (args: string[]) => {
    await execa('ip', args);
  };
  const inNs = (ctr: string, cmd: string[]) => sb.inNetns(sb.containerNetns(ctr), cmd);
  const dig = async (ctr: string, server: string, ...args: string[]) => (await inNs(ctr, ['dig', '+time=2', '+tries=1', `@${server}`, ...args])).stdout;
  const short = async (ctr: string, server: string, ...args: string[]) => (await dig(ctr, server, '+short', ...args)).trim().split('\n').filter(Boolean).sort();
  const status = async (ctr: string, server: string, ...args: string[]) => /status: (\w+)/.exec(await dig(ctr, server, ...args))?.[1] ?? 'NO-REPLY';

  /** a second address on web's eth0 that no container has (removed after: the kernel would prefer it as the source) */
  async function withStrangerAddress(fn: () => Promise<void>): Promise<void> {
    const stranger = (op: 'add' | 'del') => ip(['-n', sb.containerNetns('web'), '-6', 'addr', op, 'fd00:29::99/64', 'dev', 'eth0', ...(op === 'add' ? ['nodad'] : [])]);
    await stranger('add');
    try {
      await fn();
    } finally {
      await stranger('del');
    }
  }

  async function startServer(env: Record<string, string> = {}): Promise<void> {
    let text = '';
    const proc = execa(process.execPath, [CLI, 'dns', 'serve', '--upstream', UPSTREAM6], { env: sb.env(env), reject: false, all: true });
    proc.all!.on('data', (d: Buffer) => (text += d.toString()));
    server = { proc, output: () => text };
    // bound on every gateway of both families, nothing pending
    const ready = () => {
      const last = text.split('\n').filter((l) => l.includes('listening on')).at(-1) ?? '';
      return last.includes('pending -') && [`${GW4}:53`, `[${GW6}]:53`, `[${GW6_ONLY}]:53`].every((g) => last.includes(g));
    };
    await waitFor(async () => ready(), 15_000);
  }
  async function stopServer(): Promise<void> {
    if (!server) return;
    await sb.cli(['dns', 'stop']);
    await server.proc;
    server = null;
  }

  beforeAll(async () => {
    sb = await TestSandbox.create('v6d');
    const host = sb.name;
    await execa('ip', ['netns', 'exec', host, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    // the uplink's IPv6 pair and the way back to the container subnets
    await ip(['-n', sb.outsideNetns, '-6', 'addr', 'add', `${UPSTREAM6}/64`, 'dev', 'eth0', 'nodad']);
    await ip(['-n', host, '-6', 'addr', 'add', `${HOST_UPLINK6}/64`, 'dev', 'eth0', 'nodad']);
    for (const net of ['fd00:29::/64', 'fd00:2a::/64']) await ip(['-n', sb.outsideNetns, '-6', 'route', 'add', net, 'via', HOST_UPLINK6]);

    await ip(['-n', host, 'link', 'add', BRIDGE.dual, 'type', 'bridge']);
    await ip(['-n', host, 'link', 'add', BRIDGE.only6, 'type', 'bridge']);
    await ip(['-n', host, 'addr', 'add', `${GW4}/24`, 'dev', BRIDGE.dual]);
    await ip(['-n', host, '-6', 'addr', 'add', `${GW6}/64`, 'dev', BRIDGE.dual, 'nodad']);
    await ip(['-n', host, '-6', 'addr', 'add', `${GW6_ONLY}/64`, 'dev', BRIDGE.only6, 'nodad']);
    for (const br of Object.values(BRIDGE)) await ip(['-n', host, 'link', 'set', br, 'up']);

    const containers: Record<string, ContainerRecord> = {};
    for (const [name, eps] of Object.entries(CONTAINERS)) {
      const ns = sb.containerNetns(name);
      await ip(['netns', 'add', ns]);
      madeNetns.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      const endpoints: EndpointRecord[] = [];
      for (const [i, ep] of eps.entries()) {
        const hostIf = `v6d${name}${i}`;
        const ifname = `eth${i}`;
        await ip(['-n', host, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns]);
        await ip(['-n', host, 'link', 'set', hostIf, 'master', BRIDGE[ep.net], 'up']);
        if (ep.v4) await ip(['-n', ns, 'addr', 'add', `${ep.v4}/24`, 'dev', ifname]);
        if (ep.v6) await ip(['-n', ns, '-6', 'addr', 'add', `${ep.v6}/64`, 'dev', ifname, 'nodad']);
        await ip(['-n', ns, 'link', 'set', ifname, 'up']);
        if (i === 0 && ep.v4) await ip(['-n', ns, 'route', 'add', 'default', 'via', GW4]);
        if (i === 0 && ep.v6) await ip(['-n', ns, '-6', 'route', 'add', 'default', 'via', ep.net === 'dual' ? GW6 : GW6_ONLY, 'dev', ifname]);
        endpoints.push({
          network: ep.net, networkId: ep.net.padEnd(64, '0'), ifname, hostIf, ipv4: ep.v4 ?? '', prefixLen: ep.v4 ? 24 : 0,
          ipv6: ep.v6, prefixLen6: ep.v6 ? 64 : null, mac: '', aliases: name === 'db' ? ['store'] : [],
        });
      }
      // the resolver file the way netcore writes it: the first network's gateway of a family the container has
      const first = eps[0]!;
      const nameserver = first.v4 ? GW4 : first.net === 'dual' ? GW6 : GW6_ONLY;
      fs.mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      fs.writeFileSync(`/etc/netns/${ns}/resolv.conf`, renderEmbeddedResolvConf(nameserver, [UPSTREAM6], []));
      containers[name] = {
        id: Buffer.from(name).toString('hex').padEnd(64, 'a'), name, netns: ns, networkMode: 'bridge', endpoints, ports: [], dns: [], cmd: [], pid: null, created: new Date().toISOString(),
      };
    }
    const network = (name: 'dual' | 'only6', over: Partial<NetworkRecord>): NetworkRecord => ({
      id: name.padEnd(64, '0'), name, driver: 'bridge', isDefault: false, subnet: null, gateway: null, ipRange: null, internal: false, mtu: 1500,
      device: BRIDGE[name], options: {}, labels: {}, created: new Date().toISOString(), ...over,
    });
    await withState({ netns: host, stateDir: sb.stateDir }, async (s) => ({
      state: {
        ...s,
        networks: {
          dual: network('dual', { subnet: '172.29.0.0/24', gateway: GW4, subnet6: 'fd00:29::/64', gateway6: GW6, enableIPv4: true }),
          only6: network('only6', { subnet6: 'fd00:2a::/64', gateway6: GW6_ONLY, enableIPv4: false }),
        },
        containers,
      },
      result: undefined,
    }));

    fs.writeFileSync(`${sb.stateDir}/upstream-hosts`, '198.18.0.77 outside.lab.test\nfd00:198::77 outside.lab.test\n');
    sb.background(sb.outsideNetns, ['dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts', `--addn-hosts=${sb.stateDir}/upstream-hosts`,
      `--listen-address=${UPSTREAM6}`, '--bind-interfaces', '--local=/lab.test/', '--log-queries', `--log-facility=${sb.stateDir}/dnsmasq.log`,
      `--pid-file=${sb.stateDir}/dnsmasq.pid`, '--user=root']);
    await waitFor(async () => (await sb.inNetns(sb.outsideNetns, ['ss', '-lun'])).stdout.includes(`[${UPSTREAM6}]:53`));
    await startServer();
  }, 60_000);

  afterAll(async () => {
    await stopServer().catch(() => undefined);
    for (const ns of madeNetns) {
      await execa('ip', ['netns', 'del', ns], { reject: false });
      fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    await sb?.dispose();
  });

  it('listens on the IPv6 gateways (UDP and TCP), through the batched UDP path', async () => {
    const ss = (await sb.inNetns(sb.name, ['ss', '-Hlntu'])).stdout;
    for (const gw of [GW6, GW6_ONLY]) {
      expect(ss).toMatch(new RegExp(`udp .*\\[${gw}\\]:53 `));
      expect(ss).toMatch(new RegExp(`tcp .*\\[${gw}\\]:53 `));
    }
    expect(ss).toMatch(new RegExp(`${GW4.replace(/\./g, '\\.')}:53 `));
    expect(server!.output()).not.toMatch(/batched UDP unavailable/);
  });

  it('dig AAAA and A over IPv6 to the gateway, UDP and +tcp; per-network addresses', async () => {
    expect(await short('web', GW6, 'db', 'AAAA')).toEqual(['fd00:29::3']);
    expect(await short('web', GW6, 'db', 'A')).toEqual(['172.29.0.3']);
    expect(await short('web', GW6, 'db', 'AAAA', '+tcp')).toEqual(['fd00:29::3']);
    expect(await short('web', GW4, 'store', 'AAAA')).toEqual(['fd00:29::3']); // an alias; over IPv4 to the v4 gateway
    expect(await short('six', GW6_ONLY, 'db', 'AAAA')).toEqual(['fd00:2a::3']); // db's address on the network six shares
    expect(await short('six', GW6_ONLY, 'db.only6', 'AAAA', '+tcp')).toEqual(['fd00:2a::3']);
    expect((await dig('web', GW6, '+noall', '+answer', 'db', 'AAAA')).trim()).toMatch(/^db\.\s+600\s+IN\s+AAAA\s+fd00:29::3$/);
  });

  it('a known name without the asked family: NOERROR, empty, not forwarded', async () => {
    const four = await dig('web', GW6, 'four', 'AAAA');
    expect(four).toMatch(/status: NOERROR/);
    expect(four).toMatch(/ANSWER: 0/);
    const a = await dig('six', GW6_ONLY, 'db', 'A'); // db has no IPv4 on only6
    expect(a).toMatch(/status: NOERROR/);
    expect(a).toMatch(/ANSWER: 0/);
    expect(upstreamLog()).not.toMatch(/query\[(A|AAAA)\] (four|db) /);
  });

  it('dig -x on IPv6 addresses: ip6.arpa nibble PTR -> name.network.', async () => {
    expect(await short('web', GW6, '-x', 'fd00:29::3')).toEqual(['db.dual.']);
    expect(await short('six', GW6_ONLY, '-x', 'fd00:2a::3')).toEqual(['db.only6.']);
    expect(await short('web', GW4, '-x', 'fd00:29::2', '+tcp')).toEqual(['web.dual.']);
  });

  it('glibc getent ahostsv6 inside the namespaces (resolver file over IPv4 and, IPv6-only, over IPv6)', async () => {
    const first = async (ctr: string, name: string) => (await inNs(ctr, ['getent', 'ahostsv6', name])).stdout.split('\n')[0]?.split(/\s+/)[0];
    expect(await first('web', 'db')).toBe('fd00:29::3');
    expect(await first('six', 'db')).toBe('fd00:2a::3');
    expect((await inNs('six', ['getent', 'hosts', 'db'])).stdout.trim().split(/\s+/)).toEqual(['fd00:2a::3', 'db']);
  });

  it('refuses an IPv6 source that belongs to no container', async () => {
    await withStrangerAddress(async () => {
      expect(await status('web', GW6, '-b', 'fd00:29::99', 'db', 'AAAA')).toBe('REFUSED');
      expect(await status('web', GW6, '-b', 'fd00:29::99', 'db', 'AAAA', '+tcp')).toBe('REFUSED');
      expect(await status('web', GW6, '-b', 'fd00:29::2', 'db', 'AAAA')).toBe('NOERROR');
    });
  });

  it('an IPv6 upstream: dialled from inside a container with IPv6, from the host for one without (Docker\'s rule)', async () => {
    expect(await short('web', GW6, 'outside.lab.test', 'AAAA')).toEqual(['fd00:198::77']);
    expect(await short('four', GW4, 'outside.lab.test', 'A')).toEqual(['198.18.0.77']);
    expect(await status('web', GW6, 'missing.lab.test')).toBe('NXDOMAIN');
    await waitFor(async () => /query\[A\] outside\.lab\.test from /.test(upstreamLog()));
    expect(upstreamLog()).toMatch(/query\[AAAA\] outside\.lab\.test from fd00:29::2\b/);
    expect(upstreamLog()).toMatch(new RegExp(`query\\[A\\] outside\\.lab\\.test from ${HOST_UPLINK6}\\b`));
  });

  it('the query log names IPv6 clients in one spelling', () => {
    expect(server!.output()).toMatch(/ udp fd00:29::2 db AAAA NOERROR fd00:29::3 \d+us/);
    expect(server!.output()).toMatch(/ tcp fd00:2a::2 db\.only6 AAAA NOERROR fd00:2a::3 \d+us/);
  });

  it('the node:dgram fallback (TSDIAG_NATIVE=-dns-udp) answers IPv6 too', async () => {
    await stopServer();
    await startServer({ TSDIAG_NATIVE: '-dns-udp' });
    expect(await short('web', GW6, 'db', 'AAAA')).toEqual(['fd00:29::3']);
    expect(await short('six', GW6_ONLY, '-x', 'fd00:2a::3')).toEqual(['db.only6.']);
    await withStrangerAddress(async () => expect(await status('web', GW6, '-b', 'fd00:29::99', 'db', 'AAAA')).toBe('REFUSED'));
  });
});
