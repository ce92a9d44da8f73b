import { fail, pass, skip, type Check } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import type { DropReason } from '../../host-reader.js';
import { describeOutcome, firewallProbe, probeFailed, sharedBridge, type FirewallProbe, type ProbeOutcome } from '../firewall/probe.js';
import { commandIn, dropFixTargetOf, type DropFixTarget } from '../firewall/nft-fixes.js';
import { isBlocking } from '../firewall/rules.js';
import { resendOf, traceSites, tracedProbe } from '../firewall/trace-probe.js';
import { PATH_AND_FIREWALL } from '../path/walk.js';

/**
 * kernel.drop-reason: a failed probe that no firewall rule or policy took is
 * sent again while the skb:kfree_skb tracepoint records why the kernel freed
 * packets (IP_RPFILTER, NEIGH_FAILED, NO_SOCKET, OTHERHOST ...). The event
 * names no namespace: a reason counts only from a short window, for IPv4.
 */
export interface RpFilter {
  /** 'host' or the container whose namespace it is */
  where: string;
  ifname: string;
  value: string | null;
  /** net.ipv4.conf.all.rp_filter there: the kernel applies the higher of the two */
  all: string | null;
}

export interface DropReasonFacts extends DropFixTarget {
  outcome: ProbeOutcome;
  /** why the probe was not sent again (null: it was) */
  notRun: string | null;
  /** what the probe sent again saw */
  result: string | null;
  windowMs: number;
  reasons: DropReason[];
  rpFilter: RpFilter[];
}

/** Longer than this, other drops on the machine are too likely to be taken for the probe's. */
export const MAX_WINDOW_MS = 1500;

const MEANING: Record<string, string> = {
  IP_RPFILTER: 'the reverse-path filter: the route back to the sender leaves by another interface than the packet came in by',
  NEIGH_FAILED: 'no neighbour (ARP) answer for the next hop',
  NO_SOCKET: 'no socket listens on the port',
  OTHERHOST: 'the frame is addressed to another host\'s MAC (a stale neighbour entry)',
  IP_NOPROTO: 'no handler for the IP protocol',
  IP_INADDRERRORS: 'an invalid destination address',
  IP_INNOROUTES: 'no route for the packet where it arrived',
  IP_OUTNOROUTES: 'no route out',
  NETFILTER_DROP: 'a netfilter rule nftrace did not see (iptables-legacy, or a namespace not traced)',
  PKT_TOO_BIG: 'larger than the MTU with DF set',
};

function countersName(probe: FirewallProbe): boolean {
  const moved = [...probe.inUse.rules, ...probe.other.rules].some((r) => isBlocking(r.target));
  return moved || [...probe.inUse.policies, ...probe.other.policies].some((p) => p.policy === 'DROP');
}

const rpKey = (ifname: string) => (ifname.includes('.') ? `net/ipv4/conf/${ifname}/rp_filter` : `net.ipv4.conf.${ifname}.rp_filter`);

async function rpFilters(ctx: DoctorContext): Promise<RpFilter[]> {
  const sites = await traceSites(ctx);
  const read = (netns: string | null, key: string) => (netns === ctx.inventory.hostNetns ? ctx.host.sysctl(key) : ctx.host.sysctlIn(netns!, key));
  const bridge = sharedBridge(ctx);
  const out: RpFilter[] = [];
  // a namespace only a path names (a Docker container's) has no sysctl reader here: its rp_filter is not read
  for (const s of sites.filter((x) => x.where === 'host' || x.netns !== null)) {
    const ifs = s.where === 'host' && bridge ? [bridge, ...s.ingress] : s.ingress;
    const [all, ...values] = await Promise.all([read(s.netns, 'net.ipv4.conf.all.rp_filter'), ...ifs.map((i) => read(s.netns, rpKey(i)))]);
    ifs.forEach((ifname, k) => out.push({ where: s.where, ifname, value: values[k] ?? null, all }));
  }
  return out;
}

async function gather(ctx: DoctorContext): Promise<DropReasonFacts> {
  const probe = await firewallProbe(ctx);
  const base = { ...dropFixTargetOf(ctx), outcome: probe.outcome, result: null, windowMs: 0, reasons: [], rpFilter: [] };
  if (!probeFailed(probe.outcome)) return { ...base, notRun: 'the probe got through' };
  if (countersName(probe)) return { ...base, notRun: 'an iptables counter names the drop (fw.*)' };
  const traced = await tracedProbe(ctx);
  if (traced?.sites.some((s) => s.packets.some((p) => p.verdict === 'drop'))) return { ...base, notRun: 'nftrace names the drop (fw.rule-drop)' };
  const resend = resendOf(ctx, probe.outcome);
  if (!resend) return { ...base, notRun: 'no probe to send' };
  const t0 = performance.now();
  const { value, reasons } = await ctx.host.dropReasons(resend.proto, resend.send, { protocol: 0x0800, pids: [process.pid] });
  const windowMs = performance.now() - t0;
  const rpFilter = reasons.some((r) => r.reason === 'IP_RPFILTER') ? await rpFilters(ctx) : [];
  return { ...base, notRun: null, result: value.result, windowMs, reasons, rpFilter };
}

/** The interfaces whose effective rp_filter (the higher of all and the interface's own) is strict. */
export const strictRpFilter = (rp: RpFilter[]) => rp.filter((r) => Math.max(Number(r.value ?? 0), Number(r.all ?? 0)) === 1);

export const kernelDropReason: Check<DropReasonFacts> = {
  id: 'kernel.drop-reason',
  title: 'the kernel drops none of the probe\'s packets outside the firewall',
  after: ['topology.exists', 'topology.common-network'],
  consequenceOf: [...PATH_AND_FIREWALL.filter((id) => id !== 'kernel.drop-reason'), 'app.listen', 'fw.chains-intact'],
  gather,
  judge(f) {
    if (f.notRun) return skip(`not needed: ${f.notRun}`);
    const attribution = `attribution by time window (${f.windowMs.toFixed(0)} ms) and protocol (IPv4) only: the tracepoint names no namespace, so a drop elsewhere on the machine in that window reads the same`;
    const evidence = [describeOutcome(f.outcome), `sent again under skb:kfree_skb: ${f.result}`, attribution,
      ...f.reasons.map((r) => `${r.reason} at ${r.location}: ${r.count} packet(s)${r.inPids ? `, ${r.inPids} while the probe's process ran` : ''}`)];
    if (f.windowMs > MAX_WINDOW_MS) return skip(`the probe took ${f.windowMs.toFixed(0)} ms: too long to tell its drops from others`, evidence);
    const first = f.reasons[0];
    if (!first) return pass('the kernel freed no IPv4 packet as dropped while the probe was sent again', evidence);
    const meaning = MEANING[first.reason] ? `: ${MEANING[first.reason]}` : '';
    const summary = `the kernel drops ${f.outcome.from} -> ${f.outcome.to} with reason ${first.reason} (in ${first.location})${meaning}`;
    if (first.reason !== 'IP_RPFILTER') return fail(summary, evidence, null);
    const strict = strictRpFilter(f.rpFilter);
    evidence.push(...f.rpFilter.map((r) => `${r.where === 'host' ? 'host' : r.where}: ${rpKey(r.ifname)} = ${r.value ?? '?'} (all = ${r.all ?? '?'})`));
    const fix = strict.map((r) => commandIn(f, r.where, `sysctl -w ${rpKey(r.ifname)}=2`)).join(' && ');
    return fail(summary, evidence, fix || null);
  },
};
