import type { EndpointRecord, HostState, NetworkRecord } from '../state/types.js';
import { hasIpv4, hasIpv6 } from '../state/families.js';
import { portFamilies, publishesAnyAddress } from '../ports.js';

/** iptables (4) or ip6tables (6): the same chains and rules, each family's addresses. */
export type Family = 4 | 6;

/**
 * The firewall a host's networks need, after Docker's bridge driver, in chains
 * tsdiag owns. Pure: state in, iptables-restore lines out. TSDIAG-USER plays
 * DOCKER-USER: evaluated first in FORWARD, left to the user, never flushed.
 */
export const CHAINS = {
  user: 'TSDIAG-USER',
  forward: 'TSDIAG-FORWARD',
  ports: 'TSDIAG', // filter: accept published ports; nat: DNAT published ports
  isolation1: 'TSDIAG-ISOLATION-STAGE-1',
  isolation2: 'TSDIAG-ISOLATION-STAGE-2',
  postrouting: 'TSDIAG-POSTROUTING',
} as const;

export const OWNED_FILTER_CHAINS = [CHAINS.forward, CHAINS.ports, CHAINS.isolation1, CHAINS.isolation2];
export const OWNED_NAT_CHAINS = [CHAINS.ports, CHAINS.postrouting];

/** Jumps from the built-in chains into tsdiag's, in the order they must stand (iptables; JUMPS6 for ip6tables). */
export const JUMPS = {
  filter: [
    { chain: 'FORWARD', rule: `-j ${CHAINS.user}` },
    { chain: 'FORWARD', rule: `-j ${CHAINS.forward}` },
  ],
  nat: [
    { chain: 'PREROUTING', rule: `-m addrtype --dst-type LOCAL -j ${CHAINS.ports}` },
    { chain: 'OUTPUT', rule: `! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ${CHAINS.ports}` },
    { chain: 'POSTROUTING', rule: `-j ${CHAINS.postrouting}` },
  ],
} as const;

/** As moby's ip6tables layout: OUTPUT leaves out ::1 where iptables leaves out 127.0.0.0/8. */
export const JUMPS6 = {
  filter: JUMPS.filter,
  nat: [
    JUMPS.nat[0],
    { chain: 'OUTPUT', rule: `! -d ::1/128 -m addrtype --dst-type LOCAL -j ${CHAINS.ports}` },
    JUMPS.nat[2],
  ],
} as const;

export function jumpsOf(family: Family): typeof JUMPS | typeof JUMPS6 {
  return family === 4 ? JUMPS : JUMPS6;
}

export interface ChainRules {
  filter: Record<string, string[]>;
  nat: Record<string, string[]>;
}

/** One family's view of a network or endpoint: its subnet, an endpoint's address and host prefix. */
const FAMILY = {
  4: { subnet: (n: NetworkRecord) => n.subnet!, has: hasIpv4, addr: (e: EndpointRecord) => e.ipv4, host: 32, dnat: (a: string, p: number) => `${a}:${p}` },
  6: { subnet: (n: NetworkRecord) => n.subnet6!, has: hasIpv6, addr: (e: EndpointRecord) => e.ipv6 ?? '', host: 128, dnat: (a: string, p: number) => `[${a}]:${p}` },
} as const;

function bridgeNetworks(state: HostState, family: Family): NetworkRecord[] {
  return Object.values(state.networks)
    .filter((n) => n.driver === 'bridge' && n.device && FAMILY[family].has(n))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The rules of every tsdiag-owned chain (without the -A CHAIN prefix), for iptables or ip6tables. */
export function desiredRules(state: HostState, family: Family = 4): ChainRules {
  const filter: Record<string, string[]> = Object.fromEntries(OWNED_FILTER_CHAINS.map((c) => [c, [] as string[]]));
  const nat: Record<string, string[]> = Object.fromEntries(OWNED_NAT_CHAINS.map((c) => [c, [] as string[]]));
  const f = FAMILY[family];
  const nets = bridgeNetworks(state, family);

  filter[CHAINS.forward]!.push(`-j ${CHAINS.isolation1}`);
  for (const n of nets) {
    const br = n.device!;
    if (n.internal) {
      filter[CHAINS.forward]!.push(`-i ${br} -o ${br} -j ACCEPT`);
      filter[CHAINS.isolation1]!.push(`! -s ${f.subnet(n)} -o ${br} -j DROP`, `-i ${br} ! -d ${f.subnet(n)} -j DROP`);
      continue;
    }
    filter[CHAINS.forward]!.push(
      `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-o ${br} -j ${CHAINS.ports}`,
      `-i ${br} ! -o ${br} -j ACCEPT`,
      `-i ${br} -o ${br} -j ACCEPT`,
    );
    filter[CHAINS.isolation1]!.push(`-i ${br} ! -o ${br} -j ${CHAINS.isolation2}`);
    filter[CHAINS.isolation2]!.push(`-o ${br} -j DROP`);
    nat[CHAINS.postrouting]!.push(`-s ${f.subnet(n)} ! -o ${br} -j MASQUERADE`);
  }
  filter[CHAINS.isolation1]!.push('-j RETURN');
  filter[CHAINS.isolation2]!.push('-j RETURN');

  const byName = new Map(nets.map((n) => [n.name, n]));
  const containers = Object.values(state.containers).sort((a, b) => a.name.localeCompare(b.name));
  for (const c of containers) {
    // each family through the first endpoint with a way out in it, as moby picks a gateway endpoint per family
    const ep = c.endpoints.find((e) => byName.get(e.network) && !byName.get(e.network)!.internal && f.addr(e));
    if (!ep) continue;
    const br = byName.get(ep.network)!.device!;
    const addr = f.addr(ep);
    for (const p of c.ports) {
      // each mapping in its own families only (ports.ts portFamilies: a bare -p both, 0.0.0.0 or an IPv4 address IPv4, [::] or an IPv6 one IPv6)
      if (!portFamilies(p).includes(family)) continue;
      // moby's ip6tables DNAT leaves out link-local sources (iptables-save prints -s before -d)
      const dst = `${family === 6 ? '! -s fe80::/10 ' : ''}${publishesAnyAddress(p, family) ? '' : `-d ${p.hostIp}/${f.host} `}`;
      filter[CHAINS.ports]!.push(`-d ${addr}/${f.host} ! -i ${br} -o ${br} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
      // no `! -i BRIDGE` and no RETURN for the bridge: tsdiag runs no userland proxy, so a container reaches a published
      // port through the host's address by hairpin NAT, as Docker with --userland-proxy=false (moby's iptablesdoc usernet-portmap-noproxy)
      nat[CHAINS.ports]!.push(`${dst}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${f.dnat(addr, p.containerPort)}`);
      nat[CHAINS.postrouting]!.push(`-s ${addr}/${f.host} -d ${addr}/${f.host} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`);
    }
  }
  return { filter, nat };
}

/** What iptables-save shows of the tsdiag chains and jumps now present. */
export interface PresentFirewall {
  filterChains: Set<string>;
  natChains: Set<string>;
  /** "TABLE CHAIN rule" lines of every chain, as iptables-save prints them */
  rules: Set<string>;
  /** each chain's rules in order, keyed "TABLE CHAIN" */
  chains: Map<string, string[]>;
}

export function parseIptablesSave(text: string): PresentFirewall {
  const present: PresentFirewall = { filterChains: new Set(), natChains: new Set(), rules: new Set(), chains: new Map() };
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0]!;
      if (table === 'filter') present.filterChains.add(chain);
      if (table === 'nat') present.natChains.add(chain);
    } else if (line.startsWith('-A ')) {
      const rule = line.slice(3).trim();
      present.rules.add(`${table} ${rule}`);
      const space = rule.indexOf(' ');
      const key = `${table} ${rule.slice(0, space)}`;
      if (!present.chains.has(key)) present.chains.set(key, []);
      present.chains.get(key)!.push(rule.slice(space + 1));
    }
  }
  return present;
}

/**
 * The restore lines that turn chain `chain`'s rules from `now` into `want`:
 * the differing middle (after the common head and tail) deleted by number and
 * the wanted one inserted in its place. Nothing when they are equal. Only
 * what changes is touched because every deleted rule costs the commit an RCU
 * grace period (nf_tables frees rules after one, and iptables-nft waits for it
 * as it closes its socket): a flushed and refilled chain made every restore
 * ~25 ms, an insertion alone ~6 ms.
 */
export function chainEdits(chain: string, now: string[], want: string[]): string[] {
  let head = 0;
  while (head < now.length && head < want.length && now[head] === want[head]) head++;
  let tail = 0;
  while (tail < now.length - head && tail < want.length - head && now[now.length - 1 - tail] === want[want.length - 1 - tail]) tail++;
  const out: string[] = [];
  for (let i = head; i < now.length - tail; i++) out.push(`-D ${chain} ${head + 1}`);
  for (let i = head; i < want.length - tail; i++) out.push(tail === 0 ? `-A ${chain} ${want[i]}` : `-I ${chain} ${i + 1} ${want[i]}`);
  return out;
}

/**
 * The iptables-restore --noflush input that makes the host's firewall match
 * `state`, or null when it does already (no restore to run): missing chains
 * declared, owned chains edited where they differ, the jumps put back first
 * and in order where they are not. With no networks left, the jumps and owned
 * chains are removed.
 */
export function restoreScript(state: HostState, present: PresentFirewall, family: Family = 4): string | null {
  const wanted = bridgeNetworks(state, family).length > 0;
  const rules = desiredRules(state, family);
  const jumpSet = jumpsOf(family);
  const out: string[] = [];
  let changes = 0;
  for (const table of ['filter', 'nat'] as const) {
    const owned = table === 'filter' ? OWNED_FILTER_CHAINS : OWNED_NAT_CHAINS;
    const presentChains = table === 'filter' ? present.filterChains : present.natChains;
    const lines: string[] = [];
    const has = (chain: string, rule: string) => present.rules.has(`${table} ${chain} ${rule}`);
    if (wanted) {
      // declaring a chain that exists would flush it (--noflush flushes the chains it names)
      for (const c of owned) if (!presentChains.has(c)) lines.push(`:${c} - [0:0]`);
      if (table === 'filter' && !presentChains.has(CHAINS.user)) lines.push(`:${CHAINS.user} - [0:0]`, `-A ${CHAINS.user} -j RETURN`);
      for (const c of owned) lines.push(...chainEdits(c, present.chains.get(`${table} ${c}`) ?? [], rules[table][c]!));
      // A built-in chain whose first rules are not its jumps in order loses the jumps it has and gets all of
      // them again, inserted in reverse at position 1, so they stand first and in order (TSDIAG-USER before
      // TSDIAG-FORWARD) even when only one was missing; it is one atomic restore, so no packet sees a gap.
      for (const builtin of new Set(jumpSet[table].map((j) => j.chain))) {
        const jumps = jumpSet[table].filter((j) => j.chain === builtin).map((j) => j.rule);
        const first = (present.chains.get(`${table} ${builtin}`) ?? []).slice(0, jumps.length);
        if (first.length === jumps.length && first.every((r, i) => r === jumps[i])) continue;
        for (const j of jumps) if (has(builtin, j)) lines.push(`-D ${builtin} ${j}`);
        for (let i = jumps.length - 1; i >= 0; i--) lines.push(`-I ${builtin} 1 ${jumps[i]}`);
      }
    } else {
      for (const j of jumpSet[table]) if (has(j.chain, j.rule)) lines.push(`-D ${j.chain} ${j.rule}`);
      for (const c of owned) if (presentChains.has(c)) lines.push(`:${c} - [0:0]`);
      for (const c of owned) if (presentChains.has(c)) lines.push(`-X ${c}`);
      const userRules = present.chains.get(`filter ${CHAINS.user}`) ?? [];
      const userUntouched = userRules.length <= 1 && userRules.every((r) => r === '-j RETURN');
      if (table === 'filter' && presentChains.has(CHAINS.user) && userUntouched) lines.push(`:${CHAINS.user} - [0:0]`, `-X ${CHAINS.user}`);
    }
    changes += lines.length;
    out.push(`*${table}`, ...lines, 'COMMIT');
  }
  return changes ? out.join('\n') + '\n' : null;
}
