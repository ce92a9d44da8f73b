import type { DoctorContext } from '../../context.js';
import type { InvContainer } from '../../inventory/types.js';
import type { ProbeMatch, TraceEvent, TracedPacket, Where } from '../../host-reader.js';
import { firewallProbe, probeFailed, type ProbeOutcome } from './probe.js';
import { tcpDropTiding } from '../../memo.js';
import { addressIn, familyOfAddress, type Family } from '../../families.js';

/**
 * The failed probe sent again while nftrace follows it through every
 * nf_tables hook of each namespace it crosses: the sender's, the host's
 * (where the bridge is) and the receiver's. The trace mark does not cross a
 * veth, so each namespace has its own tracer; all are listening before the
 * probe leaves. Only a run whose probe failed pays for it.
 */
export interface TraceSite {
  /** 'host', or the container whose namespace it is */
  where: string;
  /** a named namespace (null: this process's own, or one only a path names) */
  netns: string | null;
  /** where the tracer runs: the named namespace, or a container's namespace file (a Docker container's /proc/PID/ns/net) */
  at: Where;
  /** devices whose netdev ingress hook is traced too */
  ingress: string[];
  /** the bridge family sees bridged frames: the host's only */
  bridge: boolean;
}

export interface SiteTrace {
  where: string;
  netns: string | null;
  packets: TracedPacket[];
  /** the tracer could not run here (no nft, no namespace name) */
  error: string | null;
}

export interface TracedProbe {
  proto: 'tcp' | 'icmp';
  match: ProbeMatch;
  /** what the traced probe saw: "TCP 172.18.0.2:5432 timeout" */
  result: string;
  /** in path order: sender, host, receiver */
  sites: SiteTrace[];
  ms: number;
}

/** The probe the doctor sends again: TCP when the connect failed (it names a port), else ping. */
export interface Resend {
  proto: 'tcp' | 'icmp';
  match: ProbeMatch;
  /** "TCP 172.18.0.2:5432", "ping fd00::3" */
  what: string;
  send: () => Promise<{ failed: boolean; result: string }>;
}

/** A namespace the tracer can enter by name (`/run/netns/NAME`); others (a Docker container's /proc/PID/ns/net) are not traced. */
export function netnsNameOf(path: string | null): string | null {
  return /^\/run\/netns\/([^/]+)$/.exec(path ?? '')?.[1] ?? null;
}

export function resendOf(ctx: DoctorContext, outcome: ProbeOutcome): Resend | null {
  const from = ctx.target.from;
  const { addr, port } = outcome;
  const family = addr ? familyOfAddress(addr) : 4;
  const src = addressIn(ctx.sharedEndpoints()[0]?.from, family) ?? addressIn(from?.endpoints[0], family) ?? undefined;
  if (!from || !addr || !probeFailed(outcome)) return null;
  const agent = ctx.agentIn(from);
  if (outcome.connect !== null && outcome.connect !== 'open' && port) {
    return {
      proto: 'tcp', match: { proto: 'tcp', src, dst: addr, dport: port }, what: `TCP ${addr}:${port}`,
      // a drop is traced the moment it happens: the probe need not wait long
      send: async () => {
        const r = await agent.call('connect', { addr, port, timeoutMs: 300 });
        return { failed: r.result !== 'open', result: `TCP ${addr}:${port} ${r.result}` };
      },
    };
  }
  return {
    proto: 'icmp', match: { proto: 'icmp', src, dst: addr }, what: `ping ${addr}`,
    send: async () => {
      const r = await agent.call('ping', { addr, count: 1, timeoutS: 0.3 });
      return { failed: !r.alive, result: `ping ${addr} ${r.alive ? 'answered' : 'lost'}` };
    },
  };
}

async function ownInterface(ctx: DoctorContext, c: InvContainer, addr: string | null | undefined): Promise<string[]> {
  if (!addr) return [];
  const addrs = await ctx.agentIn(c).call('addresses', { family: familyOfAddress(addr) }).catch(() => []);
  return addrs.filter((a) => a.address === addr).map((a) => a.ifname);
}

/** The namespaces the probe crosses, in path order. */
export async function traceSites(ctx: DoctorContext, family: Family = 4): Promise<TraceSite[]> {
  const { from, to } = ctx.target;
  const shared = ctx.sharedEndpoints()[0];
  const hostNetns = ctx.inventory.hostNetns;
  const hostIfs = [shared?.from.hostIf, shared?.to.hostIf].filter((x): x is string => !!x);
  const container = async (c: InvContainer | null, addr: string | null | undefined): Promise<TraceSite | null> => {
    if (!c || c.node || !c.netnsPath) return null;
    const netns = netnsNameOf(c.netnsPath);
    if (netns !== null && netns === hostNetns) return null;
    return { where: c.name, netns, at: netns ? { netns } : { netnsPath: c.netnsPath }, ingress: await ownInterface(ctx, c, addr), bridge: false };
  };
  const [sender, receiver] = await Promise.all([container(from, addressIn(shared?.from, family)), container(to, addressIn(shared?.to, family) ?? ctx.peerAddress(family))]);
  const host: TraceSite = { where: 'host', netns: hostNetns, at: { netns: hostNetns }, ingress: hostIfs, bridge: true };
  return [sender, host, receiver].filter((s): s is TraceSite => s !== null);
}

/**
 * Runs one tracer per site at once, sends the probe when all listen, and
 * waits for every tracer to have removed its tables. A site whose tracer
 * fails is reported with its error; the others still count. A drop verdict
 * ends the wait: the packet is gone, and the probe's own timeout would only
 * add its 300 ms to every faulty run.
 */
async function traceAcross(ctx: DoctorContext, sites: TraceSite[], resend: Resend) {
  let release!: () => void;
  const go = new Promise<void>((r) => (release = r));
  let dropSeen!: () => void;
  const dropped = new Promise<void>((r) => (dropSeen = r));
  const onEvent = (e: TraceEvent) => {
    if (e.verdict !== 'drop') return;
    dropSeen();
    const { proto, dst, dport } = resend.match;
    if (proto === 'tcp' && dst && dport) ctx.tidings.tell(tcpDropTiding(dst, dport));
  };
  const ready = sites.map(() => {
    let done!: () => void;
    return { promise: new Promise<void>((r) => (done = r)), done: () => done() };
  });
  const runs = sites.map((s, i) => ctx.host.nftTrace(`${resend.proto}-${s.where}`, s.at, resend.match, async () => {
    ready[i]!.done();
    await go;
  }, { ingressDevices: s.ingress, bridge: s.bridge, onEvent }));
  runs.forEach((r, i) => r.catch(() => ready[i]!.done()));
  await Promise.all(ready.map((r) => r.promise));
  let sent: Awaited<ReturnType<Resend['send']>>;
  try {
    const sending = resend.send();
    sending.catch(() => undefined); // it may lose the race and fail later, when the agents close
    sent = await Promise.race([sending, dropped.then(() => ({ failed: true, result: `${resend.what} dropped (nftrace saw the drop)` }))]);
  } finally {
    release();
  }
  const settled = await Promise.allSettled(runs);
  const traces: SiteTrace[] = settled.map((r, i) => ({
    where: sites[i]!.where, netns: sites[i]!.netns,
    packets: r.status === 'fulfilled' ? r.value.packets : [],
    error: r.status === 'rejected' ? String((r.reason as Error)?.message ?? r.reason) : null,
  }));
  return { sent, traces };
}

/** The traced probe of this run (null: the probe did not fail, or there is no peer address to send it to). */
export function tracedProbe(ctx: DoctorContext): Promise<TracedProbe | null> {
  return ctx.once('fw-trace', async () => {
    const { outcome } = await firewallProbe(ctx);
    const resend = resendOf(ctx, outcome);
    if (!resend) return null;
    const t0 = performance.now();
    const sites = await traceSites(ctx, familyOfAddress(outcome.addr!));
    const { sent, traces } = await traceAcross(ctx, sites, resend);
    return { proto: resend.proto, match: resend.match, result: sent.result, sites: traces, ms: performance.now() - t0 };
  });
}
