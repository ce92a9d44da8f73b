import type net from 'node:net';

/** How long a closing probe waits for the server's FIN before it lets go (after its result is in). */
export const CLOSE_GRACE_MS = 100;

const closing = new Set<Promise<void>>();

/**
 * Closes a connected probe socket as a polite client does, never with an
 * RST: a close with unread data in the receive queue, or data arriving after
 * the close, makes the kernel reset the connection, and a server without an
 * 'error' handler dies of the ECONNRESET. So: FIN first (end()), read and
 * discard what the server still sends, and close once the server closes too
 * (TIME-WAIT stays on our side) or after the grace period. Nothing is written.
 */
export function closeGracefully(sock: net.Socket, graceMs = CLOSE_GRACE_MS): void {
  const closed = new Promise<void>((resolve) => {
    const timer = setTimeout(() => sock.destroy(), graceMs);
    sock.on('data', () => undefined);
    // a reset from the server's side ends it as well: nothing left to close
    sock.on('error', () => undefined);
    sock.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    sock.end();
  });
  closing.add(closed);
  void closed.then(() => closing.delete(closed));
}

/** Resolves once every close under way has finished (the agent waits for it before it leaves). */
export async function closesDone(): Promise<void> {
  await Promise.all(closing);
}

const connecting = new Set<() => void>();

/**
 * Keeps a connect under way known until it settles: its request holds the
 * event loop, so a run that no longer needs the answer (the firewall trace
 * already saw its SYN dropped) would otherwise end only when its timeout does.
 */
export function trackConnect(abandon: () => void): () => void {
  connecting.add(abandon);
  return () => connecting.delete(abandon);
}

/** Ends every connect still waiting for its handshake (the run is over). Nothing was connected, so nothing is reset. */
export function abandonConnects(): void {
  for (const abandon of [...connecting]) abandon();
  connecting.clear();
}
