import type { ConnectResult } from '../../probe/protocol.js';
import type { IptablesBackend, IptablesState } from '../../host-reader.js';
import type { DoctorContext } from '../../context.js';
import type { FixTarget } from '../../fixes.js';
import { addressIn, type Family } from '../../families.js';
import { hostPortText } from '../../../netcore/ipv6.js';
import { movedPolicies, movedRules, type CounterMove, type Passage, type PolicyMove } from './rules.js';

/**
 * The firewall checks' shared evidence: the counters of every rule and policy
 * read before and after one ping and one TCP connect from `from` to `to`, in
 * the backend `iptables` drives and in the other one. Run once per doctor
 * run (its own probe: reach.*'s are not bracketed by readings).
 */
export interface ProbeOutcome {
  from: string;
  to: string;
  addr: string | null;
  port: number | null;
  /** null: not sent */
  pingAlive: boolean | null;
  connect: ConnectResult['result'] | null;
}

export interface BackendCounters {
  backend: IptablesBackend;
  /** false: its save command is not installed */
  installed: boolean;
  rules: CounterMove[];
  policies: PolicyMove[];
}

export interface FirewallProbe {
  outcome: ProbeOutcome;
  /** the backend plain `iptables` (and tsdiag) uses */
  inUse: BackendCounters;
  other: BackendCounters;
  /** ip6tables of the backend in use, where the pair shares IPv6 */
  inUse6?: BackendCounters;
  /** ip6tables of the other backend (ip6tables-legacy beside nft), where the pair shares IPv6 */
  other6?: BackendCounters;
  /** the other backend's rules as read after the probe (null: not installed) */
  otherNow: IptablesState | null;
  /** the same of its ip6tables, where the pair shares IPv6 */
  otherNow6?: IptablesState | null;
}

export const probeFailed = (o: ProbeOutcome): boolean => o.pingAlive === false || (o.connect !== null && o.connect !== 'open');

export function describeOutcome(o: ProbeOutcome): string {
  const ping = o.pingAlive === null ? 'no ping' : `ping ${o.addr} ${o.pingAlive ? 'answered' : 'lost'}`;
  const tcp = o.connect === null ? 'no TCP port to test' : `TCP ${hostPortText(o.addr!, o.port!)} ${o.connect}`;
  return `probe ${o.from} -> ${o.to}: ${ping}, ${tcp}`;
}

export function fixTargetOf(ctx: DoctorContext): FixTarget {
  return { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns };
}

/** The bridge that carries traffic between the pair, when both are on one bridge network. */
export function sharedBridge(ctx: DoctorContext): string | null {
  for (const s of ctx.sharedEndpoints()) {
    const br = ctx.networkNamed(s.network)?.bridge;
    if (br) return br;
  }
  return null;
}

/** The pair's passage through FORWARD on the bridge they share, with their addresses there in a family. */
export function sharedPassage(ctx: DoctorContext, bridge: string, family: Family = 4): Passage {
  const s = ctx.sharedEndpoints().find((e) => ctx.networkNamed(e.network)?.bridge === bridge);
  return { in: bridge, out: bridge, saddr: addressIn(s?.from, family) ?? undefined, daddr: addressIn(s?.to, family) ?? undefined };
}

const other = (b: IptablesBackend): IptablesBackend => (b === 'nft' ? 'legacy' : 'nft');

/** No table at all (the legacy backend where nothing uses it): no counter of it can move. */
const holdsNothing = (s: IptablesState | null): boolean => s !== null && s.chains.length === 0 && s.rules.length === 0;

function countersOf(backend: IptablesBackend, before: IptablesState | null, after: IptablesState | null): BackendCounters {
  if (!before || !after) return { backend, installed: false, rules: [], policies: [] };
  return { backend, installed: true, rules: movedRules(before, after), policies: movedPolicies(before, after) };
}

/**
 * One ping and one connect per family the pair shares: the outcome is the
 * first family's that fails (its address says which), else the first's. An
 * IPv6-only drop is then traced and named as an IPv4 one is.
 */
async function sendProbe(ctx: DoctorContext): Promise<ProbeOutcome> {
  const port = await ctx.peerPort();
  const outcomes: ProbeOutcome[] = [];
  for (const family of ctx.families()) {
    const outcome = await sendProbeTo(ctx, ctx.peerAddress(family), port);
    if (probeFailed(outcome)) return outcome;
    outcomes.push(outcome);
  }
  return outcomes[0]!;
}

async function sendProbeTo(ctx: DoctorContext, addr: string | null, port: number | null): Promise<ProbeOutcome> {
  const base = { from: ctx.target.fromName, to: ctx.target.toName, addr, port };
  if (!addr || !ctx.target.from) return { ...base, pingAlive: null, connect: null };
  const agent = ctx.agentIn(ctx.target.from);
  // a dropped SYN is counted at once: a short timeout is enough to see the counter move
  const [ping, connect] = await Promise.all([
    agent.call('ping', { addr, count: 1, timeoutS: 0.3 }),
    port ? agent.call('connect', { addr, port, timeoutMs: 300 }) : Promise.resolve(null),
  ]);
  return { ...base, pingAlive: ping.alive, connect: connect?.result ?? null };
}

export function firewallProbe(ctx: DoctorContext): Promise<FirewallProbe> {
  return ctx.once('fw-probe', async () => {
    const inUse = await ctx.host.iptablesBackend();
    const v6 = ctx.families().includes(6);
    // the first readings are the counters before the probe (and what currentRules() gives until the probe has run)
    const [beforeUsed, beforeOther, before6, beforeOther6] = await Promise.all([
      ctx.host.iptables(inUse), ctx.host.iptables(other(inUse)), v6 ? ctx.host.ip6tables(inUse) : null, v6 ? ctx.host.ip6tables(other(inUse)) : null,
    ]);
    const outcome = await sendProbe(ctx);
    const [afterUsed, afterOther, after6, afterOther6] = await Promise.all([
      ctx.host.iptablesNow(inUse), holdsNothing(beforeOther) ? beforeOther : ctx.host.iptablesNow(other(inUse)),
      v6 ? ctx.host.ip6tablesNow(inUse) : null, !v6 || holdsNothing(beforeOther6) ? beforeOther6 : ctx.host.ip6tablesNow(other(inUse)),
    ]);
    // the after reading is the freshest view of the rules: later checks read it instead of iptables-save again
    if (afterUsed) ctx.once('fw-rules-now', async () => afterUsed);
    if (after6) ctx.once('fw-rules6-now', async () => after6);
    return {
      outcome, inUse: countersOf(inUse, beforeUsed, afterUsed), other: countersOf(other(inUse), beforeOther, afterOther), otherNow: afterOther,
      ...(v6 && { inUse6: countersOf(inUse, before6, after6), other6: countersOf(other(inUse), beforeOther6, afterOther6), otherNow6: afterOther6 }),
    };
  });
}

/** The rules of the backend in use: the reading right after the probe when it ran, else the one before it. */
export function currentRules(ctx: DoctorContext): Promise<IptablesState | null> {
  return ctx.once('fw-rules-now', async () => ctx.host.iptables(await ctx.host.iptablesBackend()));
}

/** The same of ip6tables (read after the probe where the pair shares IPv6). */
export function currentRules6(ctx: DoctorContext): Promise<IptablesState | null> {
  return ctx.once('fw-rules6-now', async () => ctx.host.ip6tables(await ctx.host.iptablesBackend()));
}
