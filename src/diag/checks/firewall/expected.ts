import { desiredRules, jumpsOf, type Family } from '../../../netcore/bridge/firewall/rules.js';
import type { ContainerRecord, HostState, NetworkRecord } from '../../../netcore/bridge/state/types.js';
import type { InvContainer, InvNetwork } from '../../inventory/types.js';

/**
 * The rules a host's networks need, for fw.chains-intact (and fw.forward-policy
 * to tell whether `system reconcile` restores what is missing). For tsdiag's own
 * networks they come from netcore's planner, so the check and the firewall
 * cannot disagree; for Docker's, from what its bridge driver installs.
 */
export interface ExpectedRule {
  /** the iptables table (filter, nat), or an nft table as "family name" (inet netavark) */
  table: string;
  chain: string;
  /** the rule as shown to the user: "-A CHAIN ..." */
  rule: string;
  /** regular expression (source) a present "-A CHAIN ..." line of the table must match */
  pattern: string;
  /** why the network needs it */
  purpose: string;
  /** 6: an ip6tables rule (absent: iptables, or nft's own family in `table`) */
  family?: 6;
}

export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A rule that must be present word for word. */
export const exact = (table: 'filter' | 'nat', chain: string, rule: string, purpose: string, family: Family = 4): ExpectedRule => {
  const line = `-A ${chain} ${rule}`;
  return { table, chain, rule: line, pattern: `^${escape(line)}$`, purpose, ...(family === 6 && { family }) };
};

/** The command that shows and changes a rule of this family: iptables or ip6tables. */
export const toolOf = (r: { family?: 6 }): string => (r.family === 6 ? 'ip6tables' : 'iptables');
/** Whether a present rule is of the expected rule's family and table. */
export const sameTable = (p: { table: string; family?: 6 }, e: { table: string; family?: 6 }): boolean => p.table === e.table && p.family === e.family;

/** What a native rule is for, from its text. */
function purposeOf(chain: string, rule: string): string {
  const target = / -j (\S+)/.exec(` ${rule}`)?.[1] ?? '';
  const dport = /--dport (\d+)/.exec(rule)?.[1];
  if (target === 'MASQUERADE') {
    return / -d /.test(` ${rule}`) ? `hairpin NAT for published port ${dport}` : `outbound NAT (MASQUERADE) for ${/-s (\S+)/.exec(rule)?.[1]}`;
  }
  if (target === 'DNAT') return `published port ${dport} -> ${/--to-destination (\S+)/.exec(rule)?.[1]} (DNAT)`;
  if (target.startsWith('TSDIAG')) return `jump ${chain} -> ${target}`;
  if (target === 'ACCEPT') return `accept ${rule.replace(/ -j ACCEPT$/, '')}`;
  return `${chain} rule`;
}

/** netcore's planner takes the state store's records: the inventory carries every field it reads. */
function asHostState(networks: InvNetwork[], containers: InvContainer[]): HostState {
  const nets = networks.map((n) => ({
    name: n.name, driver: n.driver, device: n.bridge, subnet: n.subnet, subnet6: n.subnet6 ?? null, gateway6: n.gateway6 ?? null, internal: n.internal,
  }) as NetworkRecord);
  const ctrs = containers.map((c) => ({
    name: c.name, endpoints: c.endpoints.map((e) => ({ network: e.network, ipv4: e.ipv4, ipv6: e.ipv6 ?? null })), ports: c.published,
  }) as unknown as ContainerRecord);
  return { version: 1, sandbox: null, networks: Object.fromEntries(nets.map((n) => [n.name, n])), containers: Object.fromEntries(ctrs.map((c) => [c.name, c])) };
}

/**
 * netcore writes iptables' chains for IPv4 networks and ip6tables' beside them
 * once a network has IPv6 (syncFirewall): the same chains, each family's addresses.
 */
function nativeExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  const bridges = networks.filter((n) => n.driver === 'bridge' && n.bridge);
  const families: Family[] = [
    ...(bridges.some((n) => n.subnet) ? [4 as const] : []), ...(bridges.some((n) => n.subnet6 && n.gateway6) ? [6 as const] : []),
  ];
  const state = asHostState(networks, containers);
  const out: ExpectedRule[] = [];
  for (const family of families) {
    const purpose = (chain: string, rule: string) => `${purposeOf(chain, rule)}${family === 6 ? ' (ip6tables)' : ''}`;
    const desired = desiredRules(state, family);
    for (const table of ['filter', 'nat'] as const) {
      for (const j of jumpsOf(family)[table]) out.push(exact(table, j.chain, j.rule, purpose(j.chain, j.rule), family));
      for (const [chain, rules] of Object.entries(desired[table])) {
        for (const r of rules) out.push(exact(table, chain, r, purpose(chain, r), family));
      }
    }
  }
  return out;
}

/**
 * Docker's NAT and forwarding needs; its IPv6 networks' NAT in ip6tables too
 * (family 6: fw.chains-intact asks for them only where Docker writes ip6tables).
 */
function dockerExpected(networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  const bridges = networks.filter((n) => n.driver === 'bridge' && n.bridge);
  if (!bridges.length) return [];
  const out: ExpectedRule[] = [exact('filter', 'FORWARD', '-j DOCKER-USER', 'jump FORWARD -> DOCKER-USER')];
  for (const n of bridges) {
    const br = escape(n.bridge!);
    // Docker >= 28 jumps to DOCKER-FORWARD once; older engines send each bridge to DOCKER
    out.push({ table: 'filter', chain: 'FORWARD', rule: `-A FORWARD -j DOCKER-FORWARD (or -A FORWARD -o ${n.bridge} -j DOCKER)`,
      pattern: `^-A FORWARD (-j DOCKER-FORWARD|-o ${br} -j DOCKER)$`, purpose: `FORWARD reaches Docker's rules for ${n.name} (${n.bridge})` });
    if (!n.internal && n.subnet) {
      out.push({ table: 'nat', chain: 'POSTROUTING', rule: `-A POSTROUTING -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`,
        pattern: `^-A POSTROUTING -s ${escape(n.subnet)} ! -o ${br} -j MASQUERADE$`, purpose: `outbound NAT (MASQUERADE) for ${n.name} ${n.subnet}` });
    }
    if (!n.internal && n.subnet6) {
      out.push(exact('nat', 'POSTROUTING', `-s ${n.subnet6} ! -o ${n.bridge} -j MASQUERADE`, `outbound NAT (MASQUERADE) for ${n.name} ${n.subnet6} (ip6tables)`, 6));
    }
  }
  return [...out, ...publishedDnats(bridges, containers, 'DOCKER', 'DOCKER'), ...publishedDnats(bridges, containers, 'DOCKER', 'DOCKER', 'DOCKER', 6)];
}

export function expectedRules(backend: 'native' | 'docker', networks: InvNetwork[], containers: InvContainer[]): ExpectedRule[] {
  return backend === 'native' ? nativeExpected(networks, containers) : dockerExpected(networks, containers);
}

/**
 * An engine's rules for the running containers' published ports: PREROUTING's
 * jump into `jumpTo`, then one DNAT per port in `chain` (as shown; `chainPattern`
 * matches its name). Family 6: ip6tables' over the containers' IPv6 addresses
 * (none where no published container has one).
 */
export function publishedDnats(bridges: InvNetwork[], containers: InvContainer[], jumpTo: string, chain: string, chainPattern = escape(chain),
  family: Family = 4): ExpectedRule[] {
  const tag = family === 6 ? ' (ip6tables)' : '';
  const dnats: ExpectedRule[] = [];
  for (const c of containers.filter((x) => x.running && x.published.length)) {
    const ep = c.endpoints.find((e) => bridges.some((n) => n.name === e.network) && (family === 6 ? e.ipv6 : e.ipv4));
    if (!ep) continue;
    const ip = family === 6 ? `[${ep.ipv6}]` : ep.ipv4!;
    for (const p of c.published) {
      const to = `${ip}:${p.containerPort}`;
      dnats.push({ table: 'nat', chain, rule: `-A ${chain} ... -p ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${to}`,
        pattern: `^-A ${chainPattern} .*-p ${p.proto} .*--dport ${p.hostPort} -j DNAT --to-destination ${escape(to)}$`,
        purpose: `published port ${p.hostPort}/${p.proto} -> ${c.name} ${to} (DNAT)${tag}`, ...(family === 6 && { family }) });
    }
  }
  // IPv4 keeps the jump even with no address to DNAT to (it is missing then either way)
  if (!dnats.length && (family === 6 || !containers.some((c) => c.running && c.published.length))) return [];
  return [exact('nat', 'PREROUTING', `-m addrtype --dst-type LOCAL -j ${jumpTo}`, `jump PREROUTING -> ${jumpTo} (published ports)${tag}`, family), ...dnats];
}

/** Present rules as "table -A CHAIN ..." lines (family 6: ip6tables-save's). */
export type PresentRules = Array<{ table: string; text: string; family?: 6 }>;

export function missingRules(expected: ExpectedRule[], present: PresentRules): ExpectedRule[] {
  return expected.filter((e) => {
    const re = new RegExp(e.pattern);
    return !present.some((p) => sameTable(p, e) && re.test(p.text));
  });
}

/** Whether a rule is a jump from a built-in chain into the backend's own chains. */
export const isJump = (e: ExpectedRule): boolean => /^[A-Z]+$/.test(e.chain) && /(-j|jump) (TSDIAG|DOCKER|NETAVARK|nv_)/.test(e.rule);
