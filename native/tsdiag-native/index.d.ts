/** A UDP socket owned by the addon; closed by close() or when collected. */
export interface UdpBatchSocket { readonly __udpBatchSocket: unique symbol }

/** recv() writes this many Uint32 per message into meta: offset in the slab, length, source IPv4 (host order), source port. */
export const RECV_META_STRIDE: number;
/** send() reads this many Uint32 per message from meta: offset in the slab, length, destination IPv4 (host order), port. */
export const SEND_META_STRIDE: number;
/** at most this many messages per recv()/send() call */
export const MAX_BATCH: number;

/** A non-blocking, close-on-exec UDP socket bound to address:port (IPv4). Throws Error with code (EADDRINUSE, ...) on failure. */
export function open(address: string, port: number): UdpBatchSocket;
/** The bound port (useful after binding port 0). */
export function localPort(sock: UdpBatchSocket): number;
/** Calls onReadable whenever the socket is readable, until unwatch() or close(). */
export function watch(sock: UdpBatchSocket, onReadable: () => void): void;
export function unwatch(sock: UdpBatchSocket): void;
export function close(sock: UdpBatchSocket): void;
/**
 * Reads up to min(MAX_BATCH, slab.length / slotSize, meta.length / RECV_META_STRIDE) datagrams,
 * each in its own slotSize slot. Datagrams longer than slotSize are dropped. Returns the count kept (0: none waiting).
 */
export function recv(sock: UdpBatchSocket, slab: Buffer, slotSize: number, meta: Uint32Array): number;
/**
 * Sends count datagrams described by meta from slab. Returns how many the kernel took; a full socket
 * buffer or an unreachable destination drops the rest of the batch.
 */
export function send(sock: UdpBatchSocket, slab: Buffer, meta: Uint32Array, count: number): number;

/**
 * An unconnected, unbound, non-blocking, close-on-exec socket made inside the network namespace
 * at netnsPath (a /run/netns/NAME or /proc/PID/ns/net file): the calling thread enters it, makes
 * the socket and returns (if it cannot return, the process aborts). Returns the descriptor, for
 * dgram's bind({ fd }) or new net.Socket({ fd }); the caller owns it. Needs CAP_SYS_ADMIN.
 * Throws TypeError on bad arguments, Error with code (ENOENT, EINVAL: not a network namespace, EPERM) otherwise.
 */
export function socketIn(netnsPath: string, kind: 'udp4' | 'udp6' | 'tcp4' | 'tcp6'): number;

/**
 * Each file read inside the network namespace at netnsPath (/proc/sys/net/..., /proc/thread-self/net/...
 * show the reader's namespace); null for one that cannot be read. At most 64 paths, 8 MiB each.
 * Throws TypeError on bad arguments, Error with code (ENOENT, EINVAL, EPERM) when the namespace cannot be entered.
 */
export function readIn(netnsPath: string, paths: string[]): (string | null)[];

/**
 * Starts file (searched on the PATH of env, as execvp does) with args, posix_spawn'd: no copy of this
 * process's page tables. netnsPath: the child starts inside that network namespace (the calling thread
 * enters it for the moment of the start). input (≤ 64 KiB) is its stdin, else /dev/null. Signal
 * dispositions and mask start at their defaults. onExit runs once the child is reaped and its stdout and
 * stderr are at EOF; exitCode is -1 when a signal ended it. Returns the pid. Throws, having started
 * nothing, TypeError/RangeError on bad arguments, Error with syscall open/setns (the namespace) or spawn
 * (ENOENT, EACCES) otherwise.
 */
export function spawn(
  file: string, args: string[], env: string[], netnsPath: string | null, input: Buffer | null,
  onExit: (exitCode: number, signal: number, stdout: Buffer, stderr: Buffer) => void,
): number;

/** Sends signal to pid if it is a child of spawn() not yet reaped (a reaped pid may be someone else's); false otherwise. */
export function kill(pid: number, signal: number): boolean;

/**
 * One exchange with routing netlink (NETLINK_ROUTE) from a socket made inside the network namespace at
 * netnsPath (null: the caller's own): sends request (one netlink message; its sequence number is set
 * here) and returns the answer messages, back to back: for a dump (NLM_F_DUMP) every part before
 * NLMSG_DONE, else the one answer (nothing for a bare acknowledgement). Synchronous. Throws TypeError on
 * bad arguments, Error with code and syscall otherwise: "rtnetlink" for the kernel's own error answer
 * (ENETUNREACH, ENODEV, ...; message "rtnetlink CODE <strerror text>"), open/setns for the namespace,
 * socket/send/recv.
 */
export function rtnl(netnsPath: string | null, request: Buffer): Buffer;

/**
 * tsdiag perf's sender: `streams` TCP connections to address:port (IPv4 or IPv6, made in the calling thread's
 * namespace), each writing header (≤ 64 bytes) and then 128 KiB writes for ms from when all are connected,
 * then closed. On libuv's thread pool, one thread polling every stream. bytes: what the kernel took per
 * stream; errors: distinct texts ("connect ECONNREFUSED 10.0.0.3:5201"). Throws TypeError/RangeError on bad arguments.
 */
export function tcpSend(address: string, port: number, header: Buffer, streams: number, ms: number): Promise<{ bytes: number[]; errors: string[] }>;

/**
 * A thread that reads the connected stream socket fd (nobody else may read it; the caller closes it, but
 * only once state >= 2) until EOF: an 8-byte header (magic, session; big-endian; another magic ends it
 * with state 3), then counts. Returns its live figures: [bytes, firstMs, lastMs, state, session, stop]
 * (monotonic ms, -1 none yet; state 0 header, 1 counting, 2 EOF (its FIN sent), 3 error or foreign);
 * setting [5] to 1 asks the thread to end within 200 ms.
 */
export function tcpSink(fd: number, magic: number): Float64Array;

/**
 * count round trips after warmUp uncounted ones, one at a time, intervalMs apart, each timed from just before
 * the send to the kernel's receive stamp of the answer (SO_TIMESTAMPNS), in ms: ICMP echo (raw socket, or a
 * ping socket; port ignored), a UDP datagram echoed by port (magic, sequence), or a TCP handshake (tcpi_rtt
 * right after connect: the kernel's own SYN to SYN-ACK time; closed with a FIN). Rejects when the socket
 * cannot be made (EPERM); an unanswered probe is an error text, not a sample.
 */
export function rttProbe(kind: 'icmp' | 'udp-echo' | 'tcp-connect', address: string, port: number, magic: number,
  count: number, warmUp: number, intervalMs: number, timeoutMs: number): Promise<{ samples: number[]; errors: string[] }>;

/** true: tcpSend and rttProbe take IPv6 addresses (ICMPv6 echo for 'icmp'); an older build has no such export. */
export const perfIpv6: boolean;
