import { describe, expect, it } from 'vitest';
import { addressesOverlap, portsConflict, type PortsFacts } from '../../../../../src/diag/checks/ports/ports.js';

const db = { container: 'db', running: true, network: 'app', hostIp: '0.0.0.0', hostPort: 5432, containerPort: 5432, proto: 'tcp' as const };
const facts = (over: Partial<PortsFacts>): PortsFacts => ({ backend: 'native', hostNetns: 'lab', published: [db], sockets: [], hostNetworkPids: [], ...over });

describe('ports.conflict verdicts', () => {
  it('passes with evidence when nothing else holds the port', () => {
    const v = portsConflict.judge(facts({ sockets: [{ proto: 'tcp', addr: '0.0.0.0', port: 22, process: 'sshd', pid: 10 }] }));
    expect(v.status).toBe('pass');
    expect(v.evidence[0]).toBe('db publishes 0.0.0.0:5432->5432/tcp: nothing else listens there');
  });
  it('names the host process with its pid, and kills it', () => {
    const v = portsConflict.judge(facts({ sockets: [{ proto: 'tcp', addr: '127.0.0.1', port: 5432, process: 'postgres', pid: 4242 }] }));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('host port 5432/tcp that db publishes is taken: postgres (pid 4242) listens on tcp 127.0.0.1:5432');
    expect(v.fix).toBe('kill 4242');
    expect(v.evidence.join('\n')).toMatch(/run -d --name db --network app -p 5433:5432/);
  });
  it('ignores other protocols, other specific addresses and the engine\'s own proxy', () => {
    const sockets = [
      { proto: 'udp' as const, addr: '0.0.0.0', port: 5432, process: 'x', pid: 1 },
      { proto: 'tcp' as const, addr: '10.0.0.1', port: 5432, process: 'x', pid: 2 },
      { proto: 'tcp' as const, addr: '0.0.0.0', port: 5432, process: 'docker-proxy', pid: 3 },
    ];
    expect(portsConflict.judge(facts({ published: [{ ...db, hostIp: '10.0.0.2' }], sockets })).status).toBe('pass');
  });
  it('a container on the host network, and two containers publishing the same port', () => {
    const hostNet = portsConflict.judge(facts({ sockets: [{ proto: 'tcp', addr: '::', port: 5432, process: 'node', pid: 77 }], hostNetworkPids: [{ container: 'pg', pid: 77 }] }));
    expect(hostNet.summary).toMatch(/container pg \(host network, pid 77\)/);
    expect(hostNet.fix).toMatch(/rm -f db && tsdiag --host-netns lab run -d --name db/);
    const twin = portsConflict.judge(facts({ published: [db, { ...db, container: 'db2' }] }));
    expect(twin.status).toBe('fail');
    expect(twin.evidence.join('\n')).toMatch(/container db publishes the same port/);
  });
  it('families: -p 0.0.0.0:… (IPv4 only) meets no IPv6 socket nor a [::] publication; a bare -p meets both', () => {
    const v4only = { ...db, family: 4 as const };
    const on6 = (addr: string) => ({ sockets: [{ proto: 'tcp' as const, addr, port: 5432, process: 'pg', pid: 9 }] });
    expect(portsConflict.judge(facts({ published: [v4only], ...on6('::1') })).status).toBe('pass');
    expect(portsConflict.judge(facts({ published: [v4only], ...on6('::') })).status).toBe('fail');
    expect(portsConflict.judge(facts({ published: [db], ...on6('::1') })).status).toBe('fail');
    expect(portsConflict.judge(facts({ published: [v4only, { ...db, container: 'db6', hostIp: '::' }] })).status).toBe('pass');
    const v6 = portsConflict.judge(facts({ published: [{ ...db, hostIp: '::' }], ...on6('::1') }));
    expect(v6.evidence.join('\n')).toMatch(/-p \[::\]:5433:5432 /);
  });
  it('address overlap: wildcards overlap everything, v4-mapped is v4', () => {
    expect(addressesOverlap('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('::ffff:10.0.0.1', '10.0.0.1')).toBe(true);
    expect(addressesOverlap('10.0.0.1', '10.0.0.2')).toBe(false);
  });
});
