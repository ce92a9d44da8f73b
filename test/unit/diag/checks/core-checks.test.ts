import { describe, expect, it } from 'vitest';
import { appListen } from '../../../../src/diag/checks/app/app.js';
import { reachIcmp, reachTcp } from '../../../../src/diag/checks/reach/reach.js';
import { topologyCommonNetwork, topologyExists } from '../../../../src/diag/checks/topology/topology.js';
import { selectChecks } from '../../../../src/diag/doctor.js';
import { ALL_CHECKS } from '../../../../src/diag/checks/index.js';

const t = { backend: 'native' as const, hostNetns: 'lab' };

describe('topology verdicts from recorded facts', () => {
  const who = (name: string, found = true, running = true, networks = ['app']) => ({ ...t, name, found, running, networks });
  it('names a missing container and lists the known ones', () => {
    const v = topologyExists.judge({ ...t, from: who('web'), to: who('db', false), known: ['web', 'cache'] });
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('no container named "db"');
    expect(v.evidence).toEqual(['known containers: web, cache']);
  });
  it('docker backend fixes speak docker', () => {
    const v = topologyCommonNetwork.judge({ backend: 'docker', hostNetns: null, from: 'web', to: 'db', fromNetworks: ['a'], toNetworks: ['b', 'c'], fromMode: 'a', toMode: 'b' });
    expect(v.fix).toBe('docker network connect b web');
  });
  it('host networking shares the host', () => {
    expect(topologyCommonNetwork.judge({ ...t, from: 'web', to: 'db', fromNetworks: [], toNetworks: ['b'], fromMode: 'host', toMode: 'b' }).status).toBe('pass');
  });
});

describe('reach and listen verdicts', () => {
  it('refused vs timed out', () => {
    const base = { from: 'web', to: 'db', addr: '172.18.0.3', port: 5432 };
    expect(reachTcp.judge({ ...base, connect: { result: 'refused', ms: 1, error: 'ECONNREFUSED' } }).summary).toMatch(/refuses/);
    expect(reachTcp.judge({ ...base, connect: { result: 'timeout', ms: 1500, error: null } }).summary).toMatch(/SYN is dropped/);
    expect(reachTcp.judge({ ...base, port: null, connect: null }).status).toBe('skip');
  });
  it('a failed ARP is told apart from a lost reply', () => {
    const v = reachIcmp.judge({ from: 'web', to: 'db', addr: '172.18.0.3', ping: { alive: false, ms: null, output: '' },
      neighbour: { dst: '172.18.0.3', dev: 'eth0', state: ['FAILED'], lladdr: null } });
    expect(v.evidence.join(' ')).toMatch(/ARP gets no answer/);
  });
  it('loopback-only, wildcard, own address, nothing', () => {
    const f = { to: 'db', port: 5432, addresses: ['172.18.0.3'] };
    expect(appListen.judge({ ...f, sockets: [{ proto: 'tcp', addr: '127.0.0.1', port: 5432 }] }).status).toBe('fail');
    expect(appListen.judge({ ...f, sockets: [{ proto: 'tcp6', addr: '::', port: 5432 }] }).status).toBe('pass');
    expect(appListen.judge({ ...f, sockets: [{ proto: 'tcp', addr: '172.18.0.3', port: 5432 }] }).status).toBe('pass');
    expect(appListen.judge({ ...f, sockets: [{ proto: 'tcp', addr: '0.0.0.0', port: 80 }] }).summary).toBe('nothing listens on TCP port 5432 in db');
  });
});

describe('--check', () => {
  it('selects by regex and excludes with a leading !', () => {
    expect(selectChecks(ALL_CHECKS, '^reach').map((c) => c.id)).toEqual(['reach.icmp', 'reach.tcp']);
    expect(selectChecks(ALL_CHECKS, '!^reach').some((c) => c.id.startsWith('reach'))).toBe(false);
  });
});
