import { describe, expect, it } from 'vitest';
import { kernelDropReason, type DropReasonFacts } from '../../../../../src/diag/checks/kernel/drop-reason.js';

const facts = (f: Partial<DropReasonFacts>): DropReasonFacts => ({
  backend: 'native', hostNetns: 'lab', pids: {}, bridge: 'br-1', notRun: null, result: 'TCP 172.18.0.2:5432 timeout', windowMs: 320,
  outcome: { from: 'web', to: 'db', addr: '172.18.0.2', port: 5432, pingAlive: true, connect: 'timeout' },
  reasons: [], rpFilter: [], ...f,
});

describe('kernel.drop-reason', () => {
  it('is not run when the probe passed or a firewall names the drop', () => {
    expect(kernelDropReason.judge(facts({ notRun: 'nftrace names the drop (fw.rule-drop)' })).status).toBe('skip');
  });

  it('IP_RPFILTER: the strict rp_filter of the interfaces on the path set to loose', () => {
    const v = kernelDropReason.judge(facts({
      reasons: [{ reason: 'IP_RPFILTER', location: 'ip_rcv_finish_core', count: 1, inPids: 0 }],
      rpFilter: [{ where: 'host', ifname: 'br-1', value: '0', all: '0' }, { where: 'db', ifname: 'eth0', value: '0', all: '1' }],
    }));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/reason IP_RPFILTER .*reverse-path filter/);
    expect(v.evidence.join('\n')).toMatch(/attribution by time window \(320 ms\) and protocol \(IPv4\) only/);
    expect(v.fix).toBe('tsdiag --host-netns lab exec db -- sysctl -w net.ipv4.conf.eth0.rp_filter=2');
  });

  it('another reason is named without a fix; a long window is not trusted', () => {
    const reasons = [{ reason: 'NEIGH_FAILED', location: 'neigh_invalidate', count: 1, inPids: 0 }];
    expect(kernelDropReason.judge(facts({ reasons }))).toMatchObject({ status: 'fail', fix: null });
    expect(kernelDropReason.judge(facts({ reasons, windowMs: 4000 })).status).toBe('skip');
    expect(kernelDropReason.judge(facts({})).status).toBe('pass');
  });

  it('does not double a cause a path or firewall check names', () => {
    expect(kernelDropReason.consequenceOf).toEqual(expect.arrayContaining(['fw.rule-drop', 'fw.backend', 'link.state', 'app.listen']));
    expect(kernelDropReason.consequenceOf).not.toContain('kernel.drop-reason');
  });
});
