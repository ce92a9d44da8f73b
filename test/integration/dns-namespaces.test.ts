import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSandbox, waitFor } from '../helpers/sandbox.js';

/**
 * The embedded DNS server wired to netcore, seen by real clients (dig, glibc's
 * getent) inside the containers' namespaces; forwarding to a dnsmasq the test
 * runs in the sandbox's outside namespace (198.18.0.1), the sandbox host's upstream.
 */
describe('dns in real container namespaces', () => {
  let sb: TestSandbox;
  const ip: Record<string, string> = {};
  const dig = async (container: string, ...args: string[]) =>
    (await sb.inNetns(sb.containerNetns(container), ['dig', '+time=2', '+tries=1', ...args])).stdout;
  const short = async (container: string, ...args: string[]) => (await dig(container, '+short', ...args)).trim().split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    sb = await TestSandbox.create('dnsns');
    const hosts = `${sb.stateDir}/upstream-hosts`;
    fs.writeFileSync(hosts, '198.18.0.77 outside.lab.test\n');
    sb.background(sb.outsideNetns, ['dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=198.18.0.1',
      '--bind-interfaces', '--local=/lab.test/', `--pid-file=${sb.stateDir}/dnsmasq.pid`, '--user=root']);
    await sb.ok(['network', 'create', 'front']);
    await sb.ok(['network', 'create', 'back']);
    await sb.ok(['run', '--name', 'web', '--network', 'front']);
    await sb.ok(['run', '--name', 'api', '--network', 'front', '--network-alias', 'service']);
    await sb.ok(['network', 'connect', '--alias', 'backend-api', 'back', 'api']);
    await sb.ok(['run', '--name', 'db', '--network', 'back']);
    await sb.ok(['run', '--name', 'old']); // default bridge
    const state = await sb.state();
    for (const c of Object.values(state.containers) as any[]) for (const e of c.endpoints) ip[`${c.name}.${e.network}`] = e.ipv4;
    await waitFor(async () => (await short('web', 'api')).length > 0);
    await waitFor(async () => (await sb.inNetns(sb.outsideNetns, ['ss', '-lun'])).stdout.includes('198.18.0.1:53'));
  });
  afterAll(async () => sb?.dispose());

  it('writes the resolver file Docker would: the gateway, ndots:0, the upstreams in a comment', () => {
    const text = fs.readFileSync(`/etc/netns/${sb.containerNetns('web')}/resolv.conf`, 'utf8');
    expect(text).toMatch(/^nameserver 172\.18\.0\.1$/m);
    expect(text).toMatch(/^options ndots:0$/m);
    expect(text).toMatch(/^# ExtServers: \[198\.18\.0\.1\]$/m);
    const old = fs.readFileSync(`/etc/netns/${sb.containerNetns('old')}/resolv.conf`, 'utf8');
    expect(old).toMatch(/^nameserver 198\.18\.0\.1$/m);
  });

  it('names resolve with dig and glibc getent, case-insensitively, with a trailing dot, TTL 600', async () => {
    expect(await short('web', 'api')).toEqual([ip['api.front']]);
    expect(await short('web', 'API.')).toEqual([ip['api.front']]);
    expect((await dig('web', '+noall', '+answer', 'api')).trim()).toMatch(/^api\.\s+600\s+IN\s+A\s+172\.18\.0\.\d+$/);
    const getent = await sb.inNetns(sb.containerNetns('web'), ['getent', 'hosts', 'api']);
    expect(getent.stdout.trim().split(/\s+/)).toEqual([ip['api.front'], 'api']);
  });

  it('is scoped by network: web does not see db; api (on both) sees both', async () => {
    const nx = await dig('web', 'db');
    expect(nx).toMatch(/status: (NXDOMAIN|SERVFAIL|REFUSED)/);
    expect(await short('api', 'db')).toEqual([ip['db.back']]);
    expect(await short('db', 'api')).toEqual([ip['api.back']]);
    expect(await short('api', 'web')).toEqual([ip['web.front']]);
  });

  it('aliases are per network; name.network and short ids resolve', async () => {
    expect(await short('web', 'service')).toEqual([ip['api.front']]);
    expect(await short('db', 'backend-api')).toEqual([ip['api.back']]);
    expect(await dig('web', 'backend-api')).not.toMatch(/status: NOERROR[\s\S]*ANSWER: 1/);
    expect(await short('api', 'db.back')).toEqual([ip['db.back']]);
    const id = JSON.parse(await sb.ok(['inspect', 'db']))[0].Id.slice(0, 12);
    expect(await short('api', id)).toEqual([ip['db.back']]);
  });

  it('PTR for a container address gives name.network.; AAAA without IPv6 is an empty NOERROR', async () => {
    expect(await short('web', '-x', ip['api.front']!)).toEqual(['api.front.']);
    const aaaa = await dig('web', 'api', 'AAAA');
    expect(aaaa).toMatch(/status: NOERROR/);
    expect(aaaa).toMatch(/ANSWER: 0/);
  });

  it('forwards other names to the host upstream (NOERROR and NXDOMAIN passed through)', async () => {
    expect(await short('web', 'outside.lab.test')).toEqual(['198.18.0.77']);
    expect(await dig('web', 'missing.lab.test')).toMatch(/status: NXDOMAIN/);
  });

  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));
  it.skipIf(!busybox)('busybox nslookup (the client in most small images) resolves names and outside names through it', async () => {
    const look = async (...args: string[]) => sb.inNetns(sb.containerNetns('web'), [busybox!, 'nslookup', ...args]);
    const api = await look('api');
    expect(api.exitCode).toBe(0);
    expect(api.stdout).toMatch(/^Server:\s+172\.18\.0\.1$/m);
    expect(api.stdout).toContain(`Address: ${ip['api.front']}`);
    expect((await look('outside.lab.test')).stdout).toContain('Address: 198.18.0.77');
    const missing = await look('missing.lab.test');
    expect(missing.stdout + missing.stderr).toMatch(/NXDOMAIN/);
    expect((await look(ip['api.front']!)).stdout).toMatch(/name = api\.front/);
  });

  it('the default bridge has no embedded DNS: container names do not resolve there', async () => {
    expect(await dig('old', 'web')).not.toMatch(/ANSWER: [1-9]/);
  });

  it('queries from an address that is no container are refused', async () => {
    const res = await execa('ip', ['netns', 'exec', sb.name, 'dig', '+time=2', '+tries=1', '-b', '172.18.0.1', '@172.18.0.1', 'api'], { reject: false });
    expect(String(res.stdout)).toMatch(/status: REFUSED/);
  });

  it('a new container\'s name resolves the moment run or network connect returns, as with docker run', async () => {
    const stateFile = `${sb.stateDir}/netns-${sb.name}/state.json`;
    const syncedNow = () => fs.readFileSync(`${sb.stateDir}/netns-${sb.name}/dns.synced`, 'utf8').trim() === createHash('sha1').update(fs.readFileSync(stateFile)).digest('hex');
    for (const name of ['quick1', 'quick2', 'quick3']) {
      await sb.ok(['run', '--name', name, '--network', 'front']);
      expect(syncedNow()).toBe(true); // the server had loaded exactly this state before run returned
      const addr = (await sb.state()).containers[name].endpoints[0].ipv4;
      expect(await short('web', name)).toEqual([addr]); // no waiting: run returned after the server had it
      await sb.ok(['network', 'connect', 'back', name]);
      expect(syncedNow()).toBe(true);
      const back = (await sb.state()).containers[name].endpoints[1].ipv4;
      expect(await short('db', name)).toEqual([back]);
      await sb.ok(['rm', name]);
    }
  });

  it('follows containers as they come and go, without a restart', async () => {
    const pidBefore = (await sb.cli(['dns', 'status'])).stdout;
    await sb.ok(['run', '--name', 'late', '--network', 'front']);
    const lateIp = (await sb.state()).containers.late.endpoints[0].ipv4;
    await waitFor(async () => (await short('web', 'late')).includes(lateIp));
    await sb.ok(['rm', 'late']);
    // gone: no longer answered locally (the name is then forwarded upstream, which does not know it)
    await waitFor(async () => !(await dig('web', 'late')).includes(lateIp), 15_000);
    expect((await sb.cli(['dns', 'status'])).stdout).toBe(pidBefore);
  });

  it('the query log has one line per query with client, name, type, rcode, answer and microseconds', async () => {
    await short('web', 'api');
    const log = (await sb.ok(['dns', 'log'])).trim().split('\n');
    expect(log.some((l) => new RegExp(`udp ${ip['web.front']!.replace(/\./g, '\\.')} api A NOERROR ${ip['api.front']!.replace(/\./g, '\\.')} \\d+us$`).test(l))).toBe(true);
  });
});
