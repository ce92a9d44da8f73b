import type { ConnectResult, NeighEntry, PingResult } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import { familyName, familyOfAddress, type Family } from '../../families.js';
import type { DoctorContext } from '../../context.js';
import { PATH_AND_FIREWALL } from '../path/walk.js';
import { tcpDropTiding } from '../../memo.js';
import { hostPortText } from '../../../netcore/ipv6.js';

/**
 * A SYN-ACK on a local bridge or overlay comes back in well under a
 * millisecond and the kernel retransmits a SYN only after 1 s: one SYN's
 * worth of waiting tells a drop from an answer, and keeps a faulty run short.
 */
const CONNECT_TIMEOUT_MS = 700;

/** One family's ping: the first family's sits at the top of the facts (as before IPv6), the others in `also`. */
export interface IcmpProbe {
  addr: string | null;
  ping: PingResult | null;
  neighbour: NeighEntry | null;
}

export interface IcmpFacts extends IcmpProbe {
  from: string;
  to: string;
  also?: IcmpProbe[];
}

/** The peer's address in each family the pair shares, first family first. */
const peerAddresses = (ctx: DoctorContext): Array<{ family: Family; addr: string | null }> =>
  ctx.families().map((family) => ({ family, addr: ctx.peerAddress(family) }));

const familyTag = (addr: string | null) => (addr ? familyName(familyOfAddress(addr)) : 'IPv4');

export const reachIcmp: Check<IcmpFacts> = {
  id: 'reach.icmp',
  title: 'the peer answers ping',
  after: ['topology.exists', 'topology.common-network'],
  consequenceOf: PATH_AND_FIREWALL,
  async gather(ctx) {
    const agent = ctx.agentIn(ctx.target.from!);
    const probes = await Promise.all(peerAddresses(ctx).map(async ({ family, addr }): Promise<IcmpProbe> => {
      const ping = addr ? await ctx.once(family === 4 ? 'ping' : `ping${family}`, () => agent.call('ping', { addr, count: 1, timeoutS: 0.7 })) : null;
      const neighbour = addr ? (await agent.call('neigh', {})).find((n) => n.dst === addr) ?? null : null;
      return { addr, ping, neighbour };
    }));
    const [first, ...also] = probes as [IcmpProbe, ...IcmpProbe[]];
    return { from: ctx.target.fromName, to: ctx.target.toName, ...first, ...(also.length ? { also } : {}) };
  },
  judge(f) {
    const probes = [f as IcmpProbe, ...(f.also ?? [])];
    if (!f.addr || !f.ping) return skip(`${f.to} has no ${familyTag(f.addr)} address to ping`);
    const evidence = probes.map(neighbourLine);
    const failed = probes.filter((p) => !p.ping?.alive);
    const answered = probes.filter((p) => p.ping?.alive);
    if (!failed.length) {
      const times = answered.map((p) => `${familyTag(p.addr)} ${p.ping!.ms ?? '?'} ms`).join(', ');
      return pass(`${f.to} (${answered.map((p) => p.addr).join(', ')}) answers ping${probes.length > 1 ? ` over ${answered.map((p) => familyTag(p.addr)).join(' and ')}` : ''} in ${probes.length > 1 ? times : `${f.ping.ms ?? '?'} ms`}`, evidence);
    }
    const why = failed.map((p) => {
      const v6 = familyOfAddress(p.addr!) === 6;
      const unresolved = p.neighbour?.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE');
      return `${familyTag(p.addr)}: ${unresolved ? `${v6 ? 'neighbour discovery' : 'ARP'} gets no answer: the peer is not on this wire, or a bridge drops it` : 'the request leaves; no reply comes back (a firewall or forwarding on the path)'}`;
    });
    return fail(`${f.to} ${splitSummary(answered.map((p) => p.addr!), failed.map((p) => p.addr!), 'answers ping')} from ${f.from}`,
      [...evidence, ...(probes.length > 1 ? why : why.map((w) => w.replace(/^IPv[46]: /, '')))], null);
  },
};

function neighbourLine(p: IcmpProbe): string {
  if (!p.addr) return 'no address';
  return p.neighbour
    ? `neighbour ${p.addr}: ${p.neighbour.state.join(',')}${p.neighbour.lladdr ? ` ${p.neighbour.lladdr}` : ''}`
    : `no neighbour entry for ${p.addr} (routed, or never resolved)`;
}

/**
 * "(172.18.0.3) does not answer ping" for one family; "answers ping over IPv4
 * but not IPv6 (fd00::3)" when one family works and the other does not.
 */
function splitSummary(ok: string[], bad: string[], verb: string): string {
  const tags = (addrs: string[]) => addrs.map(familyTag).join(' and ');
  if (!ok.length && bad.length === 1) return `(${bad[0]}) does not ${verb.replace(/s\b/, '')}`;
  if (!ok.length) return `does not ${verb.replace(/s\b/, '')} over ${tags(bad)} (${bad.join(', ')})`;
  return `${verb} over ${tags(ok)} but not ${tags(bad)} (${bad.join(', ')})`;
}

/** One family's connect. */
export interface TcpProbe {
  addr: string | null;
  connect: ConnectResult | null;
}

export interface TcpFacts extends TcpProbe {
  from: string;
  to: string;
  port: number | null;
  also?: TcpProbe[];
}

export const reachTcp: Check<TcpFacts> = {
  id: 'reach.tcp',
  title: 'the peer\'s port accepts connections',
  after: ['topology.exists', 'topology.common-network'],
  consequenceOf: PATH_AND_FIREWALL,
  async gather(ctx) {
    const port = await ctx.peerPort();
    const probes = await Promise.all(peerAddresses(ctx).map(async ({ family, addr }): Promise<TcpProbe> => ({
      addr,
      connect: addr && port ? await ctx.once(family === 4 ? 'connect' : `connect${family}`, () => connectUnlessDropped(ctx, addr, port)) : null,
    })));
    const [first, ...also] = probes as [TcpProbe, ...TcpProbe[]];
    return { from: ctx.target.fromName, to: ctx.target.toName, port, ...first, ...(also.length ? { also } : {}) };
  },
  judge(f) {
    if (!f.port) return skip(`no port to test: ${f.to} publishes and listens on none (give --port N)`);
    if (!f.addr || !f.connect) return skip(`${f.to} has no ${familyTag(f.addr)} address`);
    const probes = [f as TcpProbe, ...(f.also ?? [])].filter((p) => p.addr && p.connect);
    const verdicts = probes.map((p) => ({ p, v: connectVerdict(f, p) }));
    const bad = verdicts.filter((x) => x.v.status !== 'pass');
    if (probes.length === 1 || !bad.length) {
      if (probes.length === 1) return verdicts[0]!.v;
      return pass(`${f.to} port ${f.port} accepts connections over ${probes.map((p) => familyTag(p.addr)).join(' and ')} (${probes.map((p) => `${hostPortText(p.addr!, f.port!)} ${p.connect!.ms.toFixed(1)} ms`).join(', ')})`);
    }
    const good = verdicts.filter((x) => x.v.status === 'pass').map((x) => x.p.addr!);
    const evidence = bad.flatMap((x) => [`${familyTag(x.p.addr)}: ${x.v.summary}`, ...x.v.evidence]);
    const summary = good.length
      ? `${f.to} port ${f.port} ${splitSummary(good, bad.map((x) => x.p.addr!), 'accepts connections')}: ${bad[0]!.v.summary.replace(/^\S+ \S+ /, '')}`
      : `${f.to} port ${f.port} fails over ${bad.map((x) => familyTag(x.p.addr)).join(' and ')}: ${bad[0]!.v.summary.replace(/^\S+ \S+ /, '')}`;
    return { ...bad[0]!.v, summary, evidence };
  },
};

/**
 * The agent's connect, or a timeout as soon as the firewall's traced probe
 * saw its SYN to the same port dropped: this one's will not fare better, and
 * its full wait is the longest on a faulty run's path.
 */
function connectUnlessDropped(ctx: DoctorContext, addr: string, port: number): Promise<ConnectResult> {
  const t0 = performance.now();
  const connect = ctx.agentIn(ctx.target.from!).call('connect', { addr, port, timeoutMs: CONNECT_TIMEOUT_MS });
  connect.catch(() => undefined); // it may lose the race and fail later, when the agents close
  const dropped = ctx.tidings.heard(tcpDropTiding(addr, port)).then((): ConnectResult => ({
    result: 'timeout', ms: performance.now() - t0, error: 'nftrace saw the firewall probe\'s SYN to this port dropped',
  }));
  return Promise.race([connect, dropped]);
}


function connectVerdict(f: TcpFacts, p: TcpProbe): Verdict {
  const c = p.connect!;
  const where = `${f.to} ${hostPortText(p.addr!, f.port!)}`;
  switch (c.result) {
    case 'open':
      return pass(`${where} accepts connections (${c.ms.toFixed(1)} ms)`);
    case 'refused':
      return fail(`${where} refuses connections: nothing listens there`, [`connect: ${c.error}`], null);
    case 'timeout':
      return fail(`${where} does not answer: the SYN is dropped on the way`, [`no SYN-ACK and no RST in ${c.ms.toFixed(0)} ms${c.error ? ` (${c.error})` : ''}`], null);
    case 'unreachable':
      return fail(`${where} is unreachable from ${f.from}: no route, or its address never resolved to a MAC`, [`connect: ${c.error ?? 'unreachable'}`], null);
    default:
      return warn(`${where}: ${c.result}`, [c.error ?? ''], null);
  }
}
