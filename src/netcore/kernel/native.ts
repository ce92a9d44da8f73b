import { createRequire } from 'node:module';
import { config } from '../../config.js';

/**
 * tsdiag's native addon (native/tsdiag-native, N-API), as its callers see it:
 * batched UDP for the DNS server, work inside another network namespace,
 * cheap process starts, routing netlink reads and tsdiag perf's traffic. Each caller has a fallback for a machine where it did
 * not build (or TSDIAG_NATIVE leaves it out); loadNative() says why it cannot be used.
 */
export interface UdpBatchCalls {
  RECV_META_STRIDE: number;
  SEND_META_STRIDE: number;
  MAX_BATCH: number;
  /** the meta stride of an IPv6 socket (port, scope id, address as 4 words); absent in builds before IPv6 */
  META_STRIDE6?: number;
  /** an IPv4 or IPv6 address: the socket's family */
  open(address: string, port: number): object;
  watch(sock: object, onReadable: () => void): void;
  unwatch(sock: object): void;
  close(sock: object): void;
  recv(sock: object, slab: Buffer, slotSize: number, meta: Uint32Array): number;
  send(sock: object, slab: Buffer, meta: Uint32Array, count: number): number;
}

export type SocketKind = 'udp4' | 'udp6' | 'tcp4' | 'tcp6';

export interface NetnsCalls {
  socketIn(netnsPath: string, kind: SocketKind): number;
  /** each file read inside the namespace (null: unreadable) */
  readIn(netnsPath: string, paths: string[]): (string | null)[];
}

export interface SpawnCalls {
  /** the child's pid; onExit once it is reaped and its output read (exitCode -1: ended by signal) */
  spawn(
    file: string, args: string[], env: string[], netnsPath: string | null, input: Buffer | null,
    onExit: (exitCode: number, signal: number, stdout: Buffer, stderr: Buffer) => void,
  ): number;
  /** false when pid is no running child of the addon's */
  kill(pid: number, signal: number): boolean;
}

export interface RtnlCalls {
  /** one routing netlink exchange in the namespace at netnsPath (null: this process's): the answer's messages back to back (rtnl.c) */
  rtnl(netnsPath: string | null, request: Buffer): Buffer;
}

/** tsdiag perf's data path (tcp_stream.c, rtt_probe.c): in the calling thread's namespace, off the event loop */
export interface PerfCalls {
  /** `streams` connections writing header then 128 KiB writes for ms; what the kernel took per stream */
  tcpSend(address: string, port: number, header: Buffer, streams: number, ms: number): Promise<{ bytes: number[]; errors: string[] }>;
  /** a thread counting what the accepted connection fd brings after its header: see TCP_SINK */
  tcpSink(fd: number, magic: number): Float64Array;
  /** `count` round trips (after warmUp), each timed from just before the send to the kernel's stamp of the reply (ms) */
  rttProbe(kind: 'icmp' | 'udp-echo' | 'tcp-connect', address: string, port: number, magic: number, count: number,
    warmUp: number, intervalMs: number, timeoutMs: number): Promise<{ samples: number[]; errors: string[] }>;
  /** true where tcpSend/rttProbe take IPv6 addresses; absent in an older build */
  readonly perfIpv6?: boolean;
}

/** tcpSink's figures: monotonic ms (-1: none yet); state 0 header, 1 counting, 2 EOF, 3 error or not ours; write STOP = 1 to end it */
export const TCP_SINK = { BYTES: 0, FIRST_MS: 1, LAST_MS: 2, STATE: 3, SESSION: 4, STOP: 5, EOF: 2 } as const;

export type NativeAddon = UdpBatchCalls & NetnsCalls & SpawnCalls & RtnlCalls & PerfCalls;

let loaded: { addon: NativeAddon } | { error: string } | null = null;

/** The addon, or why it cannot be used (its first line: "Cannot find module ..."). */
export function loadNative(): { addon: NativeAddon } | { error: string } {
  if (!config().addon) return { error: 'left out (TSDIAG_NATIVE=off)' };
  if (!loaded) {
    try {
      loaded = { addon: createRequire(import.meta.url)('tsdiag-native') as NativeAddon };
    } catch (err) {
      loaded = { error: (err as Error).message.split('\n')[0]! };
    }
  }
  return loaded;
}

/** The addon, or null when it cannot be used. */
export function nativeAddon(): NativeAddon | null {
  const load = loadNative();
  return 'addon' in load ? load.addon : null;
}
