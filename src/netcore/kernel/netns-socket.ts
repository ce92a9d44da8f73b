import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { nativeAddon, type SocketKind } from './native.js';

/**
 * Sockets for the probes that need one inside a namespace (resolve, connect).
 * A socket keeps the namespace it was made in, so the tsdiag-native
 * addon's socketIn() makes one inside a container (setns there and straight
 * back, on the calling thread only) and Node wraps it: no process has to live
 * in the namespace. Without the addon the probes go to a probe agent instead.
 */
export interface SocketMaker {
  /** an unbound UDP socket to send to `to` from (the kernel picks the port on the first send) */
  udp(to: string): dgram.Socket;
  /** an unconnected TCP socket, to connect() to `to` */
  tcp(to: string): net.Socket;
}

/**
 * The socket could not be made where it was asked for (no namespace file, no
 * privilege, a destination this process would read in its own namespace):
 * the probe goes to an agent.
 */
export class NoSocketInNamespace extends Error {}

/** Sockets in the caller's own namespace, as the agent makes them inside its namespace. */
export const socketsHere: SocketMaker = {
  udp: (to) => dgram.createSocket(net.isIPv6(to) ? 'udp6' : 'udp4'),
  tcp: () => new net.Socket(),
};

/** true: socketsIn() can make sockets (the addon loads and has socketIn) */
export function canMakeSocketsIn(): boolean {
  return nativeAddon() !== null;
}

/** Sockets made inside the namespace at netnsPath; null when the addon cannot make them. */
export function socketsIn(netnsPath: string): SocketMaker | null {
  const made = nativeAddon();
  if (!made) return null;
  const fdOf = (kind: SocketKind): number => {
    try {
      return made.socketIn(netnsPath, kind);
    } catch (err) {
      throw new NoSocketInNamespace(`no ${kind} socket in ${netnsPath}: ${(err as Error).message}`);
    }
  };
  /** Node takes the descriptor over; if it cannot, it is closed here. */
  const wrap = <T>(fd: number, wrapFd: () => T): T => {
    try {
      return wrapFd();
    } catch (err) {
      fs.closeSync(fd);
      throw new NoSocketInNamespace(`cannot use the socket made in ${netnsPath}: ${(err as Error).message}`);
    }
  };
  return {
    udp(to) {
      const family = familyOf(to, netnsPath);
      const fd = fdOf(`udp${family}`);
      // bind({ fd }) adopts the descriptor as it is: unbound, it gets its port on the first send
      return wrap(fd, () => dgram.createSocket(`udp${family}`).bind({ fd }));
    },
    tcp(to) {
      const fd = fdOf(`tcp${familyOf(to, netnsPath)}`);
      // readable and writable: false would end both sides for good (the probe could neither read what
      // the server sends nor half-close). manualStart (Node's own, as its child_process uses it): no read
      // before connect(), which fails with ENOTCONN on a socket not yet connected.
      const options: net.SocketConstructorOpts & { manualStart: boolean } = { fd, readable: true, writable: true, manualStart: true };
      return wrap(fd, () => new net.Socket(options));
    },
  };
}

/**
 * 4 or 6 for an address literal. A host name (looked up through this
 * process's namespace) or a zone (fe80::1%eth0, an interface name read here)
 * would be resolved in the wrong namespace: those go to an agent.
 */
function familyOf(to: string, netnsPath: string): 4 | 6 {
  const family = net.isIP(to);
  if (family === 0 || to.includes('%')) throw new NoSocketInNamespace(`${to} is not an address this process can use for ${netnsPath}`);
  return family as 4 | 6;
}
