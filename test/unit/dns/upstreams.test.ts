import { describe, expect, it } from 'vitest';
import { formatUpstream, parseUpstream } from '../../../src/dns/upstreams.js';
import { UsageError } from '../../../src/netcore/errors.js';
import { extServersOf, parseExtServers, parseResolvConf, renderEmbeddedResolvConf, upstreamsOf } from '../../../src/netcore/bridge/resolvconf.js';

describe('upstreams', () => {
  it('parses addresses with and without a port', () => {
    expect(parseUpstream('192.0.2.1')).toEqual({ address: '192.0.2.1', port: 53 });
    expect(parseUpstream('127.0.0.9:5353')).toEqual({ address: '127.0.0.9', port: 5353 });
    expect(parseUpstream('[::1]:5353')).toEqual({ address: '::1', port: 5353 });
    expect(parseUpstream('fd00::53')).toEqual({ address: 'fd00::53', port: 53 });
    expect(formatUpstream({ address: '127.0.0.9', port: 5353 })).toBe('127.0.0.9:5353');
    expect(formatUpstream({ address: '::1', port: 5353 })).toBe('[::1]:5353');
  });

  it('rejects what is no address as a usage error', () => {
    for (const bad of ['', 'dns.example', '1.2.3.4:0', '1.2.3.4:70000', '300.1.1.1']) expect(() => parseUpstream(bad)).toThrow(UsageError);
  });

  it('takes at most 3 upstreams from a resolver file and renders the container file like Docker', () => {
    const conf = parseResolvConf('# c\nnameserver 192.0.2.1\nnameserver 192.0.2.2 # x\nnameserver 192.0.2.3\nnameserver 192.0.2.4\nsearch a b\n');
    expect(upstreamsOf(conf)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    const text = renderEmbeddedResolvConf('172.18.0.1', upstreamsOf(conf), []);
    expect(text).toMatch(/^nameserver 172\.18\.0\.1$/m);
    expect(text).toMatch(/^options ndots:0$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('# ExtServers: [192.0.2.1 192.0.2.2 192.0.2.3]');
    expect(parseExtServers(text)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('lists the host\'s loopback upstreams as host(IP), as Docker does; a container\'s own --dns as given', () => {
    const conf = parseResolvConf('nameserver 127.0.0.53\nnameserver 192.0.2.1\n');
    expect(extServersOf([], conf)).toEqual(['host(127.0.0.53)', '192.0.2.1']);
    expect(extServersOf(['127.0.0.1'], conf)).toEqual(['127.0.0.1']);
    expect(parseExtServers(renderEmbeddedResolvConf('172.18.0.1', extServersOf([], conf), []))).toEqual(['127.0.0.53', '192.0.2.1']);
  });

  it('IPv6 upstreams as moby\'s TransformForIntNS marks them: host() without IPv6 in the container, zoned ones always', () => {
    const conf = parseResolvConf('nameserver ::1\nnameserver fd3e:2d1a:1f5a::1\nnameserver fe80::1%eth0\n');
    // moby's golden "IPv4 localhost, IPv6 private, IPv6 disabled": ExtServers: [host(127.0.0.53) host(fd3e:2d1a:1f5a::1)]
    expect(extServersOf([], conf)).toEqual(['host(::1)', 'host(fd3e:2d1a:1f5a::1)', 'host(fe80::1%eth0)']);
    expect(extServersOf([], conf, true)).toEqual(['host(::1)', 'fd3e:2d1a:1f5a::1', 'host(fe80::1%eth0)']);
    expect(extServersOf(['fd00::53'], conf, false)).toEqual(['fd00::53']); // --dns: as given, dialled inside
    expect(parseExtServers(renderEmbeddedResolvConf('fd00:1::1', extServersOf([], conf, true), []))).toEqual(['::1', 'fd3e:2d1a:1f5a::1', 'fe80::1%eth0']);
  });
});
