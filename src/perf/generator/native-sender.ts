import { isIPv6 } from 'node:net';
import type { PerfCalls } from '../../netcore/kernel/native.js';
import * as nodeSender from './sender.js';
import {
  MAGIC_ECHO, MAGIC_TCP, TCP_HEADER,
  type RttArgs, type RttResult, type TcpSendArgs, type TcpSendResult,
} from './protocol.js';

/** Probes not counted: the first ARP lookup, the first connect through a new conntrack entry. */
const WARM_UP = 3;

/**
 * The sender's tests through the addon: the writes and the round trips run
 * on a thread of the pool, timed by the kernel (see rtt_probe.c), so this
 * process's event loop is in none of the figures. An addon build without
 * IPv6 (ipv6 false) leaves IPv6 addresses to Node's sender (ICMP to ping:
 * measure.ts asks the engine).
 */
export function nativeSender(addon: PerfCalls, ipv6: boolean) {
  const native = (a: { to: string }) => ipv6 || !isIPv6(a.to);
  const probe = (kind: 'icmp' | 'udp-echo' | 'tcp-connect', a: RttArgs): Promise<RttResult> =>
    addon.rttProbe(kind, a.to, kind === 'icmp' ? 0 : a.port, MAGIC_ECHO, a.count, WARM_UP, a.intervalMs, a.timeoutMs);
  return {
    async tcpSend(a: TcpSendArgs): Promise<TcpSendResult> {
      if (!native(a)) return nodeSender.tcpSend(a);
      const header = Buffer.alloc(TCP_HEADER);
      header.writeUInt32BE(MAGIC_TCP, 0);
      header.writeUInt32BE(a.session, 4);
      const r = await addon.tcpSend(a.to, a.port, header, a.streams, Math.round(a.seconds * 1000));
      return { streams: a.streams, bytesWritten: r.bytes.reduce((x, y) => x + y, 0), errors: r.errors };
    },
    tcpConnectRtt: (a: RttArgs) => (native(a) ? probe('tcp-connect', a) : nodeSender.tcpConnectRtt(a)),
    udpEchoRtt: (a: RttArgs) => (native(a) ? probe('udp-echo', a) : nodeSender.udpEchoRtt(a)),
    icmpEchoRtt: (a: RttArgs) => probe('icmp', a),
  };
}
