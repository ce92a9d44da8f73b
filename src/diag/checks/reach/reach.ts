import type { ConnectResult, NeighEntry, PingResult } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check } from '../../check.js';
import { PATH_AND_FIREWALL } from '../path/walk.js';

/**
 * A SYN-ACK on a local bridge or overlay comes back in well under a
 * millisecond and the kernel retransmits a SYN only after 1 s: one SYN's
 * worth of waiting tells a drop from an answer, and keeps a faulty run short.
 */
const CONNECT_TIMEOUT_MS = 700;

export interface IcmpFacts {
  from: string;
  to: string;
  addr: string | null;
  ping: PingResult | null;
  neighbour: NeighEntry | null;
}

export const reachIcmp: Check<IcmpFacts> = {
  id: 'reach.icmp',
  title: 'the peer answers ping',
  after: ['topology.exists', 'topology.common-network'],
  consequenceOf: PATH_AND_FIREWALL,
  async gather(ctx) {
    const addr = ctx.peerAddress();
    const agent = ctx.agentIn(ctx.target.from!);
    const result = addr ? await ctx.once('ping', () => agent.call('ping', { addr, count: 1, timeoutS: 0.7 })) : null;
    const neigh = addr ? (await agent.call('neigh', {})).find((n) => n.dst === addr) ?? null : null;
    return { from: ctx.target.fromName, to: ctx.target.toName, addr, ping: result, neighbour: neigh };
  },
  judge(f) {
    if (!f.addr || !f.ping) return skip(`${f.to} has no IPv4 address to ping`);
    const n = f.neighbour ? `neighbour ${f.addr}: ${f.neighbour.state.join(',')}${f.neighbour.lladdr ? ` ${f.neighbour.lladdr}` : ''}` : `no neighbour entry for ${f.addr} (routed, or never resolved)`;
    if (f.ping.alive) return pass(`${f.to} (${f.addr}) answers ping in ${f.ping.ms ?? '?'} ms`, [n]);
    const arpFailed = f.neighbour?.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE');
    return fail(`${f.to} (${f.addr}) does not answer ping from ${f.from}`,
      [n, arpFailed ? 'ARP gets no answer: the peer is not on this wire, or a bridge drops it' : 'the request leaves; no reply comes back (a firewall or forwarding on the path)'],
      null);
  },
};

export interface TcpFacts {
  from: string;
  to: string;
  addr: string | null;
  port: number | null;
  connect: ConnectResult | null;
}

export const reachTcp: Check<TcpFacts> = {
  id: 'reach.tcp',
  title: 'the peer\'s port accepts connections',
  after: ['topology.exists', 'topology.common-network'],
  consequenceOf: PATH_AND_FIREWALL,
  async gather(ctx) {
    const addr = ctx.peerAddress();
    const port = await ctx.peerPort();
    const res = addr && port ? await ctx.once('connect', () => ctx.agentIn(ctx.target.from!).call('connect', { addr, port, timeoutMs: CONNECT_TIMEOUT_MS })) : null;
    return { from: ctx.target.fromName, to: ctx.target.toName, addr, port, connect: res };
  },
  judge(f) {
    if (!f.port) return skip(`no port to test: ${f.to} publishes and listens on none (give --port N)`);
    if (!f.addr || !f.connect) return skip(`${f.to} has no IPv4 address`);
    const where = `${f.to} ${f.addr}:${f.port}`;
    switch (f.connect.result) {
      case 'open':
        return pass(`${where} accepts connections (${f.connect.ms.toFixed(1)} ms)`);
      case 'refused':
        return fail(`${where} refuses connections: nothing listens there`, [`connect: ${f.connect.error}`], null);
      case 'timeout':
        return fail(`${where} does not answer: the SYN is dropped on the way`, [`no SYN-ACK and no RST in ${f.connect.ms.toFixed(0)} ms`], null);
      case 'unreachable':
        return fail(`${where} is unreachable from ${f.from}: no route, or its address never resolved to a MAC`, [`connect: ${f.connect.error ?? 'unreachable'}`], null);
      default:
        return warn(`${where}: ${f.connect.result}`, [f.connect.error ?? ''], null);
    }
  },
};
