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
