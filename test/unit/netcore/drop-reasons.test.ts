import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDropTrace, summarizeDrops } from '../../../src/netcore/kernel/drop-reasons.js';

// a tracefs instance's `trace` with skb:kfree_skb on kernel 6.18: a closed UDP port, a qdisc drop, a neighbour that never answered
const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/nft/kfree-skb-trace.txt'), 'utf8');

describe('kfree_skb drop reasons', () => {
  it('reads each event: task, pid, cpu, protocol, location symbol, reason name', () => {
    const events = parseDropTrace(text);
    expect(events).toHaveLength(5);
    expect(events[0]).toEqual({ comm: 'bash', pid: 30119, cpu: 1, time: 558.224922, protocol: 2048, location: '__udp4_lib_rcv', reason: 'NO_SOCKET' });
    expect(events[2]).toMatchObject({ comm: 'ksoftirqd/0', pid: 14 });
    expect(events[4]).toMatchObject({ comm: '<idle>', pid: 0, location: 'neigh_invalidate', reason: 'NEIGH_FAILED' });
  });

  it('counts by reason and location, the probe pids first, NOT_SPECIFIED left out unless asked', () => {
    const events = parseDropTrace(text);
    expect(summarizeDrops(events, { pids: [30119] })).toEqual([
      { reason: 'NO_SOCKET', location: '__udp4_lib_rcv', count: 1, inPids: 1 },
      { reason: 'QDISC_DROP', location: '__dev_queue_xmit', count: 1, inPids: 0 },
      { reason: 'NEIGH_FAILED', location: 'neigh_invalidate', count: 1, inPids: 0 },
    ]);
    expect(summarizeDrops(events, { unspecified: true }).find((r) => r.reason === 'NOT_SPECIFIED')!.count).toBe(2);
  });
});
