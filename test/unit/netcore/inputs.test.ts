import { describe, expect, it } from 'vitest';
import { assignHostPorts, parsePublish, portFamilies, publishSpec } from '../../../src/netcore/bridge/ports.js';
import { validateName } from '../../../src/netcore/validate.js';
import { parseExtServers, parseResolvConf, renderDefaultBridgeResolvConf, renderEmbeddedResolvConf } from '../../../src/netcore/bridge/resolvconf.js';
import { emptyState } from '../../../src/netcore/bridge/state/types.js';
import { planEndpointAdd, planNamespaceCreate } from '../../../src/netcore/bridge/plan.js';

describe('names', () => {
  it('accepts Docker names and refuses the rest', () => {
    expect(validateName('container', 'web-1.a_b')).toBe('web-1.a_b');
    for (const bad of ['-web', 'a b', 'a;rm', '', 'é', 'a/b', 'x'.repeat(65)]) expect(() => validateName('container', bad)).toThrow(/invalid container name/);
  });
});

describe('-p', () => {
  it('parses the docker run forms', () => {
    expect(parsePublish('8080:80')).toMatchObject({ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' });
    expect(parsePublish('127.0.0.1:53:53/udp')).toMatchObject({ hostIp: '127.0.0.1', hostPort: 53, proto: 'udp' });
    expect(parsePublish('80')).toMatchObject({ hostPort: 0, hostPortGiven: false });
    for (const bad of ['80:', 'a:80', '1.2.3:80:80', '70000:80', '80:80/sctp']) expect(() => parsePublish(bad)).toThrow(/invalid/);
  });
  it('writes each mapping as the -p that reads back as it (the doctor\'s recreate fix)', () => {
    for (const spec of ['8080:80', '0.0.0.0:8080:80', '[::]:8080:80', '[2001:db8::1]:53:53/udp', '127.0.0.1:8080:80']) {
      const { hostPortGiven, ...mapping } = parsePublish(spec);
      expect(hostPortGiven).toBe(true);
      expect(publishSpec(mapping)).toBe(spec);
      expect(parsePublish(publishSpec(mapping))).toMatchObject(mapping);
    }
  });
  it('refuses a host port already published and picks ephemeral ones', () => {
    const s = emptyState();
    s.containers.a = { id: 'a', name: 'a', netns: null, networkMode: 'bridge', endpoints: [], dns: [], cmd: [], pid: null, created: '',
      ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' }] };
    expect(() => assignHostPorts(s, [parsePublish('8080:81')])).toThrow(/port is already allocated \(by container a\)/);
    expect(assignHostPorts(s, [parsePublish('8080:81/udp')])[0]!.hostPort).toBe(8080);
    expect(assignHostPorts(s, [parsePublish('81'), parsePublish('82')]).map((p) => p.hostPort)).toEqual([32768, 32769]);
  });
  it('an IPv6 host IP in brackets, each form in its families (Docker: a bare port both, 0.0.0.0 IPv4, [::] IPv6)', () => {
    expect(parsePublish('[2001:DB8:0::1]:8080:80')).toMatchObject({ hostIp: '2001:db8::1', hostPort: 8080, containerPort: 80 });
    expect(portFamilies(parsePublish('[::]:8080:80'))).toEqual([6]);
    expect(portFamilies(parsePublish('[::1]:8080:80'))).toEqual([6]);
    expect(portFamilies(parsePublish('0.0.0.0:8080:80'))).toEqual([4]);
    expect(portFamilies(parsePublish('198.18.0.2:8080:80'))).toEqual([4]);
    expect(portFamilies(parsePublish('8080:80'))).toEqual([4, 6]);
    expect(() => parsePublish('2001:db8::1:8080:80')).toThrow(/in brackets/);
    for (const bad of ['[]:80:80', '[::', '[1.2.3.4]:80:80', '[fe80::1%eth0]:80:80']) expect(() => parsePublish(bad)).toThrow(/invalid/);
    // the same host port in the other family is free; in the same one it is taken
    const s = emptyState();
    s.containers.a = { id: 'a', name: 'a', netns: null, networkMode: 'bridge', endpoints: [], dns: [], cmd: [], pid: null, created: '',
      ports: [parsePublish('[::]:8080:80')] };
    expect(assignHostPorts(s, [parsePublish('0.0.0.0:8080:80')])[0]).toMatchObject({ hostIp: '0.0.0.0', family: 4, hostPort: 8080 });
    expect(() => assignHostPorts(s, [parsePublish('8080:80')])).toThrow(/Bind for 0.0.0.0:8080 failed/);
    expect(() => assignHostPorts(s, [parsePublish('[2001:db8::1]:8080:80')])).toThrow(/Bind for \[2001:db8::1\]:8080 failed/);
  });
});

describe('resolver files', () => {
  it('embedded: gateway, ndots:0, upstreams in the ExtServers comment', () => {
    const text = renderEmbeddedResolvConf('172.18.0.1', ['10.0.0.2', '127.0.0.53'], []);
    expect(parseResolvConf(text).nameservers).toEqual(['172.18.0.1']);
    expect(parseResolvConf(text).options).toEqual(['ndots:0']);
    expect(parseExtServers(text)).toEqual(['10.0.0.2', '127.0.0.53']);
  });
  it('default bridge: host upstreams without loopback ones', () => {
    const host = parseResolvConf('nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch example.test\noptions ndots:2 edns0\n');
    const text = renderDefaultBridgeResolvConf(host, []);
    expect(parseResolvConf(text)).toEqual({ nameservers: ['10.0.0.2'], search: ['example.test'], options: ['edns0'] });
  });
});

describe('plans', () => {
  it('a container endpoint: veth with MTU and MAC, address, default route; each creating step has its undo', () => {
    const c = { id: 'c', name: 'web', netns: 's:web', networkMode: 'bridge' as const, endpoints: [], ports: [], dns: [], cmd: [], pid: null, created: '' };
    const net = { id: 'n', name: 'app', driver: 'bridge' as const, isDefault: false, subnet: '172.18.0.0/16', gateway: '172.18.0.1', ipRange: null,
      internal: false, mtu: 1400, device: 'br-x', options: {}, labels: {}, created: '' };
    const ep = { network: 'app', networkId: 'n', ifname: 'eth0', hostIf: 'veth0000000', ipv4: '172.18.0.2', prefixLen: 16, ipv6: null, mac: '02:42:ac:12:00:02', aliases: [] };
    const steps = [...planNamespaceCreate(c, { 'resolv.conf': 'x' }), ...planEndpointAdd({ netns: 's', isSandbox: true }, c, ep, net, true)];
    const lines = steps.map((s) => (s.do.type === 'ip' ? s.do.args.join(' ') : s.do.type));
    expect(lines).toContain('link add veth0000000 mtu 1400 type veth peer name eth0 mtu 1400 address 02:42:ac:12:00:02 netns s:web');
    expect(lines).toContain('route add default via 172.18.0.1');
    expect(steps.find((s) => s.do.type === 'netns-add')!.undo).toEqual({ type: 'netns-del', name: 's:web' });
    expect(steps.find((s) => s.what.startsWith('create veth'))!.undo).toMatchObject({ args: ['link', 'del', 'veth0000000'] });
    const internal = planEndpointAdd({ netns: 's', isSandbox: true }, c, ep, { ...net, internal: true }, true);
    expect(internal.some((s) => s.what.startsWith('default route'))).toBe(false);
  });
});

describe('bridge MAC', () => {
  it('is fixed, locally administered and unicast, so it does not follow the ports', async () => {
    const { bridgeMac, planBridgeCreate } = await import('../../../src/netcore/bridge/plan.js');
    expect(bridgeMac('0123456789abcdef')).toBe('0e:01:23:45:67:89');
    const net = { id: 'ab'.repeat(32), name: 'n', driver: 'bridge' as const, isDefault: false, subnet: '10.1.0.0/24', gateway: '10.1.0.1',
      ipRange: null, internal: false, mtu: 1500, device: 'br-x', options: {}, labels: {}, created: '' };
    const add = planBridgeCreate({ netns: 's', isSandbox: true }, net)[0]!;
    expect(add.do).toMatchObject({ args: ['link', 'add', 'br-x', 'address', '0e:ab:ab:ab:ab:ab', 'mtu', '1500', 'type', 'bridge'] });
  });
});
