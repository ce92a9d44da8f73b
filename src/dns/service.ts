import { followState } from './follow.js';
import type { QueryLogEntry } from './log.js';
import { gatewayAddresses } from './records.js';
import { startDnsServer, type DnsServer, type ListenAddress } from './server.js';
import { markSynced, syncFileOf } from './daemon.js';
import { DNS_PORT, formatUpstream, hostUpstreams, type Upstream } from './upstreams.js';
import type { HostRef } from '../netcore/host.js';

/**
 * The deployed server of one host: port 53 on the gateway of every
 * user-defined bridge network, following the state store as networks and
 * containers come and go, forwarding to the host's upstream servers.
 */
export interface DnsServiceOptions {
  port?: number;
  /** listen on these instead of the gateways (for manual tests) */
  listen?: ListenAddress[];
  /** instead of the host's resolver file */
  upstreams?: Upstream[];
  log?: (e: QueryLogEntry) => void;
  onError?: (message: string) => void;
  /** told the addresses bound after each change */
  onListen?: (bound: ListenAddress[], pending: ListenAddress[]) => void;
}

export interface DnsService {
  server: DnsServer;
  close(): Promise<void>;
}

export async function startDnsService(host: HostRef, opts: DnsServiceOptions = {}): Promise<DnsService> {
  const port = opts.port ?? DNS_PORT;
  const server = await startDnsServer({ upstreams: opts.upstreams ?? (await hostUpstreams(host)), log: opts.log, onError: opts.onError });
  const follower = await followState(
    host,
    (state, text) => {
      server.setState(state);
      const listen = opts.listen ?? gatewayAddresses(state).map((address) => ({ address, port }));
      void server.setListen(listen).then(async () => {
        opts.onListen?.(server.bound(), server.pending());
        await markSynced(host, text).catch((err: Error) => opts.onError?.(`cannot write ${syncFileOf(host)}: ${err.message}`));
      });
    },
    { onError: opts.onError },
  );
  const stopUpstreams = opts.upstreams ? () => undefined : followHostUpstreams(host, (u) => server.setUpstreams(u));
  return {
    server,
    async close() {
      stopUpstreams();
      follower.close();
      await server.close();
    },
  };
}

const UPSTREAM_POLL_MS = 2000;

/** Re-reads the host's resolver file now and then, as Docker does: a changed upstream list takes effect without a restart. */
function followHostUpstreams(host: HostRef, onChange: (upstreams: Upstream[]) => void): () => void {
  let last: string | null = null;
  const check = async () => {
    const upstreams = await hostUpstreams(host);
    const key = upstreams.map(formatUpstream).join(' ');
    if (last !== null && key !== last) onChange(upstreams);
    last = key;
  };
  void check();
  const timer = setInterval(() => void check(), UPSTREAM_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
