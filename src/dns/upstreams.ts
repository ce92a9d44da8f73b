import net from 'node:net';
import type { HostRef } from '../netcore/host.js';
import { readHostResolvConf, upstreamsOf } from '../netcore/bridge/resolvconf.js';
import { UsageError } from '../netcore/errors.js';
import { hostPortText } from '../netcore/ipv6.js';

/**
 * Where forwarded queries go. The host's resolver file gives them (at most 3,
 * read and rendered by netcore/bridge/resolvconf.ts, the one place that knows the
 * file's format); an entry may carry a port ("127.0.0.9:5353", "[::1]:5353")
 * so that tests can run their own upstream on loopback.
 */
export interface Upstream {
  address: string;
  port: number;
}

export const DNS_PORT = 53;

export function parseUpstream(text: string): Upstream {
  const s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  const hostPort = /^([^:]+):(\d+)$/.exec(s);
  const [address, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : hostPort
      ? [hostPort[1]!, hostPort[2]]
      : [s, undefined];
  const portNumber = port === undefined ? DNS_PORT : Number(port);
  if (!net.isIP(address) || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw new UsageError(`invalid upstream "${text}": expected ADDRESS or ADDRESS:PORT`);
  }
  return { address, port: portNumber };
}

export function formatUpstream(u: Upstream): string {
  if (u.port === DNS_PORT) return u.address;
  return hostPortText(u.address, u.port);
}

/** The host's upstream servers (max 3); entries that are no address are skipped. */
export async function hostUpstreams(host: HostRef): Promise<Upstream[]> {
  const out: Upstream[] = [];
  for (const s of upstreamsOf(await readHostResolvConf(host))) {
    try {
      out.push(parseUpstream(s));
    } catch {
      // a resolver file may name things we cannot dial (a scoped v6 address): skip them
    }
  }
  return out;
}
