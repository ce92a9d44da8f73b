import { fail, pass, skip, warn, type Check, type Verdict } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { onHost, type FixTarget } from '../../fixes.js';
import { familyOfAddress, type Family } from '../../families.js';
import type { IptablesState } from '../../host-reader.js';
import { acceptBridgeFix, bothFamilies } from '../firewall/checks.js';
import {
  currentRules, currentRules6, describeOutcome, firewallProbe, fixTargetOf, probeFailed, sharedBridge, sharedPassage, type BackendCounters, type ProbeOutcome,
} from '../firewall/probe.js';
import { describeRule, walkForward } from '../firewall/rules.js';

// ---------------------------------------------------------------- kernel.ip-forward

export interface IfaceForwarding {
  ifname: string;
  /** why it matters: "bridge of app", "uplink (default route)" */
  role: string;
  value: string | null;
}

export interface IpForwardFacts extends FixTarget {
  from: string;
  to: string;
  ipForward: string | null;
  interfaces: IfaceForwarding[];
  /** the pair's bridge when both are on it: their own traffic is bridged, not forwarded */
  sharedBridge: string | null;
  /** what needs routing through this host: outbound NAT, published ports */
  routed: string[];
  /** IPv6, when one of the pair's networks has it (absent: IPv4 only) */
  ipv6?: { forwarding: string | null; routed: string[] };
  /** true: every network of the pair is IPv6-only, so IPv4 forwarding routes nothing of theirs (absent: some has IPv4) */
  ipv6Only?: boolean;
}

/** IPv6 forwards by the one switch (ip6_forward reads all.forwarding; an interface's own says host or router, not whether to forward). */
const IPV6_FORWARDING = 'net.ipv6.conf.all.forwarding';

/** sysctl separates with dots, so an interface name with a dot (eth0.100) is written with slashes. */
export const forwardingKey = (ifname: string) =>
  ifname.includes('.') ? `net/ipv4/conf/${ifname}/forwarding` : `net.ipv4.conf.${ifname}.forwarding`;

function pairNetworks(ctx: DoctorContext) {
  const names = new Set([...(ctx.target.from?.endpoints ?? []), ...(ctx.target.to?.endpoints ?? [])].map((e) => e.network));
  return ctx.target.networks.filter((n) => names.has(n.name));
}

function routedTraffic(ctx: DoctorContext, uplink: string | null, family: 4 | 6 = 4): string[] {
  const subnetOf = (n: { subnet: string | null; subnet6?: string | null }) => (family === 6 ? n.subnet6 ?? null : n.subnet);
  const out = pairNetworks(ctx)
    .filter((n) => n.bridge && subnetOf(n) && !n.internal)
    .map((n) => `outbound NAT from ${n.name} (${subnetOf(n)})${uplink ? ` via ${uplink}` : ''}`);
  const to = ctx.target.to;
  for (const p of to?.published ?? []) out.push(`published port ${p.hostIp}:${p.hostPort}/${p.proto} -> ${to!.name}:${p.containerPort}`);
  return out;
}

export const kernelIpForward: Check<IpForwardFacts> = {
  id: 'kernel.ip-forward',
  title: 'the host forwards IPv4 (globally and on the bridge), and IPv6 where the networks have it',
  async gather(ctx) {
    const v6 = pairNetworks(ctx).some((n) => n.subnet6);
    const ipv6Only = v6 && pairNetworks(ctx).every((n) => !n.subnet);
    const uplink = (await ctx.host.routes()).find((r) => r.dst === 'default')?.dev ?? null;
    const ifaces = [
      ...pairNetworks(ctx).filter((n) => n.bridge).map((n) => ({ ifname: n.bridge!, role: `bridge of ${n.name}` })),
      ...(uplink ? [{ ifname: uplink, role: 'uplink (default route)' }] : []),
    ];
    const [ipForward, forwarding6, ...values] = await Promise.all([
      ctx.host.sysctl('net.ipv4.ip_forward'), v6 ? ctx.host.sysctl(IPV6_FORWARDING) : null,
      ...ifaces.map((i) => ctx.host.sysctl(forwardingKey(i.ifname))),
    ]);
    return {
      ...fixTargetOf(ctx), from: ctx.target.fromName, to: ctx.target.toName, ipForward,
      interfaces: ifaces.map((i, k) => ({ ...i, value: values[k] ?? null })),
      sharedBridge: sharedBridge(ctx), routed: routedTraffic(ctx, uplink),
      ...(v6 ? { ipv6: { forwarding: forwarding6, routed: routedTraffic(ctx, uplink, 6) } } : {}),
      ...(ipv6Only ? { ipv6Only } : {}),
    };
  },
  judge(f) {
    if (f.ipForward === null) return skip('cannot read net.ipv4.ip_forward in the host namespace');
    // an IPv6-only pair: IPv4 forwarding, on or off, routes nothing of theirs
    const v4 = f.ipv6Only && f.ipv6
      ? pass('the pair\'s networks are IPv6-only (IPv4 forwarding routes nothing of theirs)', [`net.ipv4.ip_forward = ${f.ipForward}`])
      : judgeIpv4Forwarding(f);
    if (v4.status !== 'pass' || !f.ipv6) return v4;
    const evidence = [...v4.evidence, `${IPV6_FORWARDING} = ${f.ipv6.forwarding ?? '?'}`];
    if (f.ipv6.forwarding !== '0') return pass(`${v4.summary}; IPv6 forwarding is on`, evidence);
    if (f.sharedBridge) evidence.push(`${f.from} -> ${f.to} is bridged on ${f.sharedBridge}, not forwarded: it still works over IPv6`);
    if (f.ipv6.routed.length) evidence.push(`routed over IPv6, so broken: ${f.ipv6.routed.join('; ')}`);
    return fail(`IPv6 forwarding is off in the host namespace (${IPV6_FORWARDING} = 0) while IPv4 forwards: nothing is routed to or from the containers over IPv6`,
      evidence, onHost(f, `sysctl -w ${IPV6_FORWARDING}=1`));
  },
};

function judgeIpv4Forwarding(f: IpForwardFacts): Verdict {
  const evidence = [`net.ipv4.ip_forward = ${f.ipForward}`, ...f.interfaces.map((i) => `${forwardingKey(i.ifname)} = ${i.value ?? '?'}  (${i.role})`)];
  const off = f.interfaces.filter((i) => i.value === '0');
  if (f.ipForward !== '0' && !off.length) return pass(`IPv4 forwarding is on${f.interfaces.length ? ` (also on ${f.interfaces.map((i) => i.ifname).join(', ')})` : ''}`, evidence);
  if (f.sharedBridge) evidence.push(`${f.from} -> ${f.to} is bridged on ${f.sharedBridge}, not forwarded: it still works`);
  if (f.routed.length) evidence.push(`routed, so broken: ${f.routed.join('; ')}`);
  // writing ip_forward sets every interface's forwarding too
  if (f.ipForward === '0') {
    return fail('IPv4 forwarding is off in the host namespace (net.ipv4.ip_forward = 0): nothing is routed to or from the containers',
      evidence, onHost(f, 'sysctl -w net.ipv4.ip_forward=1'));
  }
  return fail(`IPv4 forwarding is off on ${off.map((i) => `${i.ifname} (${i.role})`).join(', ')}: traffic entering there is not routed`,
    evidence, off.map((i) => onHost(f, `sysctl -w ${forwardingKey(i.ifname)}=1`)).join(' && '));
}

// ---------------------------------------------------------------- kernel.br-netfilter

/** What one family's bridged traffic meets: iptables' sysctl and rules, or ip6tables'. */
export interface BridgedFamilyFacts {
  /** null: the sysctl does not exist (br_netfilter absent) */
  callIptables: string | null;
  /** DROP/REJECT rules that traffic within the bridge meets in FORWARD when iptables sees it */
  bridgedBlockers: string[];
  forwardPolicy: string | null;
  /** packets the FORWARD policy took during the probe */
  policyPackets: number;
}

export interface BrNetfilterFacts extends FixTarget, BridgedFamilyFacts {
  bridge: string | null;
  moduleLoaded: boolean;
  outcome: ProbeOutcome;
  /** bridge-nf-call-ip6tables and ip6tables' FORWARD, where the pair shares IPv6 (absent: IPv4 only) */
  ipv6?: BridgedFamilyFacts;
}

function bridgedFacts(ctx: DoctorContext, bridge: string | null, call: string | null, rules: IptablesState | null, counters: BackendCounters | undefined, family: Family): BridgedFamilyFacts {
  const walk = bridge && rules ? walkForward(rules, sharedPassage(ctx, bridge, family)) : null;
  return {
    callIptables: call,
    bridgedBlockers: walk?.blockers.map(describeRule) ?? [],
    forwardPolicy: rules?.chains.find((c) => c.table === 'filter' && c.name === 'FORWARD')?.policy ?? null,
    policyPackets: counters?.policies.find((p) => p.table === 'filter' && p.chain === 'FORWARD')?.packets ?? 0,
  };
}

export const kernelBrNetfilter: Check<BrNetfilterFacts> = {
  id: 'kernel.br-netfilter',
  title: 'bridged traffic meets iptables (and ip6tables) exactly when the rules expect it',
  after: ['topology.exists', 'topology.common-network'],
  async gather(ctx) {
    const bridge = sharedBridge(ctx);
    const v6 = bridge !== null && ctx.families().includes(6);
    const [moduleLoaded, callIptables, callIp6tables, probe, rules] = await Promise.all([
      ctx.host.moduleLoaded('br_netfilter'), ctx.host.sysctl('net.bridge.bridge-nf-call-iptables'),
      v6 ? ctx.host.sysctl('net.bridge.bridge-nf-call-ip6tables') : null, firewallProbe(ctx), currentRules(ctx),
    ]);
    const rules6 = v6 ? await currentRules6(ctx) : null;
    return {
      ...fixTargetOf(ctx), bridge, moduleLoaded, outcome: probe.outcome,
      ...bridgedFacts(ctx, bridge, callIptables, rules, probe.inUse, 4),
      ...(v6 && { ipv6: bridgedFacts(ctx, bridge, callIp6tables, rules6, probe.inUse6, 6) }),
    };
  },
  judge(f) {
    const { from, to } = f.outcome;
    if (!f.bridge) return skip(`${from} and ${to} share no bridge: their traffic is routed, and iptables sees routed traffic whatever br_netfilter says`);
    // a built-in br_netfilter has no entry in /proc/modules, only its sysctls
    const present = f.moduleLoaded || f.callIptables !== null;
    const module = `br_netfilter: ${f.moduleLoaded ? 'loaded' : present ? 'built in (net.bridge.* sysctls present)' : 'not loaded'}`;
    const v4 = judgeBridged(f, f.bridge, present, f, 4);
    return bothFamilies({ ...v4, evidence: [module, ...v4.evidence] }, f.ipv6 ? judgeBridged(f, f.bridge, present, f.ipv6, 6) : null);
  },
};

/** Whether one family's bridged traffic meets its rules as they expect: bridge-nf-call-iptables with iptables, -ip6tables with ip6tables. */
function judgeBridged(f: BrNetfilterFacts, bridge: string, present: boolean, b: BridgedFamilyFacts, family: Family): Verdict {
  const { from, to } = f.outcome;
  const [tool, sysctl, traffic]: ['iptables' | 'ip6tables', string, string] = family === 6
    ? ['ip6tables', 'bridge-nf-call-ip6tables', `IPv6 traffic within ${bridge}`]
    : ['iptables', 'bridge-nf-call-iptables', `traffic within ${bridge}`];
  const evidence = [`net.bridge.${sysctl} = ${b.callIptables ?? 'absent'}`];
  if (!present || b.callIptables === '0') {
    const why = present ? `${sysctl} = 0` : 'br_netfilter is not loaded';
    if (!b.bridgedBlockers.length) return pass(`${traffic} bypasses ${tool} (${why}); no rule is meant for it`, evidence);
    return warn(`${traffic} bypasses ${tool} (${why}): ${b.bridgedBlockers.length} DROP/REJECT rule(s) meant for it are never applied`,
      [...evidence, ...b.bridgedBlockers.map((r) => `not enforced: ${family === 6 ? 'ip6tables ' : ''}${r}`)],
      present ? onHost(f, `sysctl -w net.bridge.${sysctl}=1`) : 'modprobe br_netfilter');
  }
  const chain = family === 6 ? 'ip6tables FORWARD' : 'FORWARD';
  evidence.push(`${chain} policy ${b.forwardPolicy ?? '?'}, ${b.policyPackets} packet(s) taken by it during the probe`, ...(family === 4 ? [describeOutcome(f.outcome)] : []));
  const over = f.outcome.addr ? familyOfAddress(f.outcome.addr) : 4;
  if (b.forwardPolicy === 'DROP' && b.policyPackets > 0 && probeFailed(f.outcome) && over === family) {
    return fail(`${traffic} is handed to ${tool} (${sysctl} = 1) and dropped by ${chain} policy DROP: ${from} -> ${to}${family === 6 ? ' over IPv6' : ''} fails`,
      evidence, acceptBridgeFix(f, bridge, tool));
  }
  return pass(`${traffic} goes through ${tool} (${sysctl} = 1), as the rules expect`, evidence);
}

export const KERNEL_CHECKS = [kernelIpForward, kernelBrNetfilter];
