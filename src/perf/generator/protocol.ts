/**
 * What tsdiag's traffic generator understands: one request per JSON line on
 * its stdin (as the probe agent), the reply with the request's id, and
 * `sample` events between replies while a receiver session gets data.
 *
 * On the wire: a TCP stream starts with MAGIC_TCP and its session (u32 BE),
 * then any bytes. A UDP datagram is MAGIC_ECHO (sent back as it came) or
 * MAGIC_UDP, session u32, sequence u32, the send time (ms, float64, the
 * machine's monotonic clock, which every namespace shares).
 */
export const MAGIC_TCP = 0x54535046; // "TSPF"
export const MAGIC_UDP = 0x54535055; // "TSPU"
export const MAGIC_ECHO = 0x54535045; // "TSPE"
export const TCP_HEADER = 8;
export const UDP_HEADER = 20;

export interface ListenArgs { prefer: number[] }
export interface ListenResult { port: number }
export interface ListenUdpArgs { port: number }
export interface SessionArgs { session: number; kind: 'tcp' | 'udp' }
export interface ResultArgs { session: number; idleMs: number; timeoutMs: number }
export interface SessionResult {
  bytes: number;
  packets: number;
  /** monotonic ms of the first and last byte or datagram (null: none came) */
  firstMs: number | null;
  lastMs: number | null;
  /** UDP: the highest sequence number seen, + 1; datagrams that came after a later one */
  expected: number;
  outOfOrder: number;
  jitterMs: number;
}
export interface TcpSendArgs { to: string; port: number; session: number; streams: number; seconds: number }
export interface TcpSendResult { streams: number; bytesWritten: number; errors: string[] }
export interface UdpSendArgs { to: string; port: number; session: number; rateBps: number; seconds: number; size: number }
export interface UdpSendResult { sent: number }
export interface RttArgs { to: string; port: number; count: number; intervalMs: number; timeoutMs: number }
export interface RttResult { samples: number[]; errors: string[] }
/** native: the addon's data path (tcp_stream.c, rtt_probe.c); node: net and dgram, ICMP left to ping (why: the addon's error, or TSDIAG_NATIVE) */
export type GeneratorEngine = 'native' | 'node';
/** ipv6: the native engine takes IPv6 addresses too (an older addon build's perf calls take IPv4 alone: Node's serve IPv6 then) */
export interface EngineResult { engine: GeneratorEngine; why?: string; ipv6?: boolean }

export interface GeneratorOps {
  listen: [ListenArgs, ListenResult];
  listenUdp: [ListenUdpArgs, ListenResult];
  session: [SessionArgs, Record<string, never>];
  result: [ResultArgs, SessionResult];
  tcpSend: [TcpSendArgs, TcpSendResult];
  udpSend: [UdpSendArgs, UdpSendResult];
  tcpConnectRtt: [RttArgs, RttResult];
  udpEchoRtt: [RttArgs, RttResult];
  /** native engine only (port ignored) */
  icmpEchoRtt: [RttArgs, RttResult];
  engine: [Record<string, never>, EngineResult];
}
export type GeneratorOp = keyof GeneratorOps;

export interface GeneratorRequest { id: number; op: GeneratorOp; args: unknown }
export interface GeneratorReply { id: number; result?: unknown; error?: string }
/** a receiver session's bytes in the last interval, for live views */
export interface SampleEvent { event: 'sample'; session: number; atMs: number; bytes: number; packets: number }
