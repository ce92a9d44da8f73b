import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSandbox, waitFor } from '../helpers/sandbox.js';

/**
 * Where forwarded queries leave from, by Docker's rules, seen with dig inside
 * the containers: the host's loopback upstream (a dnsmasq on 127.0.0.53 in the
 * sandbox host) is dialled from the host namespace; a container's own
 * `--dns 127.0.0.1` from inside the container (its own loopback); a container
 * only on an --internal network gets nothing forwarded from the host.
 */
/** How the server sends from inside a container: sockets made there by the native addon (the default), or a dialer process living there. */
const MODES = [
  { mode: 'sockets made inside the container', env: {} as Record<string, string>, dialerProcess: false },
  { mode: 'a dialer process inside the container', env: { TSDIAG_NATIVE: '-dns-dial' }, dialerProcess: true },
];

describe.each(MODES)('dns forwarding: from which namespace ($mode)', ({ env, dialerProcess }) => {
  let sb: TestSandbox;
  const ok = (args: string[]) => sb.ok(args, { env });
  const dig = async (container: string, name: string) =>
    (await sb.inNetns(sb.containerNetns(container), ['dig', '+time=6', '+tries=1', name])).stdout;
  const answerOf = (out: string) => /^\S+\s+\d+\s+IN\s+A\s+(\S+)$/m.exec(out)?.[1] ?? null;
  const statusOf = (out: string) => /status: (\w+)/.exec(out)?.[1] ?? null;
  const dnsmasq = (tag: string, listen: string, hosts: string) => {
    const file = `${sb.stateDir}/hosts-${tag}`;
    fs.writeFileSync(file, hosts);
    return ['dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts', `--addn-hosts=${file}`, `--listen-address=${listen}`, '--bind-interfaces',
      '--local=/lab.test/', `--pid-file=${sb.stateDir}/dnsmasq-${tag}.pid`, '--user=root'];
  };

  beforeAll(async () => {
    sb = await TestSandbox.create('dnsroute');
    fs.writeFileSync(`/etc/netns/${sb.name}/resolv.conf`, 'nameserver 127.0.0.53\nnameserver 198.18.0.1\n');
    sb.background(sb.name, dnsmasq('host', '127.0.0.53', '198.18.0.53 host.lab.test\n'));
    sb.background(sb.outsideNetns, dnsmasq('out', '198.18.0.1', '198.18.0.77 outside.lab.test\n'));
    await ok(['network', 'create', 'app']);
    await ok(['network', 'create', '--internal', 'secret']);
    await ok(['run', '--name', 'web', '--network', 'app']);
    await ok(['run', '--name', 'own', '--network', 'app', '--dns', '127.0.0.1']);
    await ok(['run', '--name', 'vault', '--network', 'secret']);
    await ok(['run', '--name', 'safe', '--network', 'secret']);
    await waitFor(async () => answerOf(await dig('web', 'host.lab.test')) !== null, 15_000);
  });
  afterAll(async () => sb?.dispose());

  it('lists the host\'s loopback upstream as host(IP) and a container\'s own --dns as given', () => {
    const ext = (c: string) => /^# ExtServers: \[(.*)\]$/m.exec(fs.readFileSync(`/etc/netns/${sb.containerNetns(c)}/resolv.conf`, 'utf8'))?.[1];
    expect(ext('web')).toBe('host(127.0.0.53) 198.18.0.1');
    expect(ext('own')).toBe('127.0.0.1');
  });

  it('dials the host\'s loopback upstream from the host namespace', async () => {
    // dialled from inside web, 127.0.0.53 would be web's own loopback and the outside dnsmasq would say NXDOMAIN
    expect(answerOf(await dig('web', 'host.lab.test'))).toBe('198.18.0.53');
  });

  it('dials a container\'s own --dns 127.0.0.1 inside the container: SERVFAIL until something listens there', async () => {
    const before = await dig('own', 'inside.lab.test');
    expect(statusOf(before)).toBe('SERVFAIL');
    expect(answerOf(await dig('own', 'web'))).toMatch(/^172\./); // names still resolve
    sb.background(sb.containerNetns('own'), dnsmasq('own', '127.0.0.1', '10.77.0.1 inside.lab.test\n'));
    await waitFor(async () => answerOf(await dig('own', 'inside.lab.test')) === '10.77.0.1');
    // web's queries still go to the host's upstreams, which do not know that name
    expect(statusOf(await dig('web', 'inside.lab.test'))).toBe('NXDOMAIN');
  });

  it('forwards nothing from the host for a container only on an --internal network', async () => {
    expect(answerOf(await dig('vault', 'safe'))).toMatch(/^172\./);
    const out = await dig('vault', 'host.lab.test');
    expect(statusOf(out)).toBe('SERVFAIL');
  });

  it('nothing of the server outlives the container: its namespace is really gone after rm', async () => {
    const pids = async () => (await sb.inNetns(sb.name, ['ip', 'netns', 'pids', sb.containerNetns('own')])).stdout.split('\n').filter(Boolean).map(Number);
    const inside = await pids();
    // the test's dnsmasq, and the server's dialer only when it dials through a process living there
    expect(inside.length).toBe(dialerProcess ? 2 : 1);
    await ok(['rm', '-f', 'own']);
    await waitFor(async () => inside.every((pid) => !fs.existsSync(`/proc/${pid}/ns`)));
    expect(fs.existsSync(`/run/netns/${sb.containerNetns('own')}`)).toBe(false);
  });
});
