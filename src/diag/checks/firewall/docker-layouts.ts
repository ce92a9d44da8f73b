import type { IptablesState } from '../../host-reader.js';
import { familyName, type Family } from '../../families.js';
import { normalizeNftRule, parseNftRuleset, type NftTableText } from './nft-ruleset-text.js';

/**
 * Which of Docker's rule layouts a host holds, and the chains and jumps
 * that layout cannot work without, each with the command that puts it back.
 * Pure: it reads iptables-save text (parsed) and `nft list ruleset` text.
 * IPv6 (Docker 27+, or 26 with `--experimental --ip6tables`): the same layout
 * in ip6tables (or `ip6 docker-bridges`), for the bridges of IPv6 networks
 * only; the ISOLATION chains hold every bridge, IPv4-only ones too (recorded
 * from 26: fixtures/docker-rulesets/26/usernet-portmap-dualstack.ip6tables).
 * The layouts, as moby's iptablesdoc/nftablesdoc and recorded engines show them
 * (fixtures/docker-rulesets):
 * - 20.10-27: FORWARD jumps to DOCKER-USER and DOCKER-ISOLATION-STAGE-1, then
 *   per bridge to DOCKER (26 writes the very same rules as 20.10).
 * - 28: FORWARD -> DOCKER-USER, DOCKER-FORWARD; DOCKER-FORWARD -> DOCKER-CT,
 *   DOCKER-ISOLATION-STAGE-1, DOCKER-BRIDGE; DOCKER-BRIDGE per bridge -> DOCKER;
 *   raw PREROUTING drops direct access to published containers.
 * - 29-iptables: as 28 with DOCKER-INTERNAL in place of the ISOLATION chains.
 * - 29-nftables: tables `ip docker-bridges` (and ip6), whose base chains send
 *   each bridge's traffic through verdict maps to per-bridge chains.
 */
export type DockerLayout = '20.10-27' | '28' | '29-iptables' | '29-nftables';

export interface DockerFirewall {
  /** `iptables-save -c` (`ip6tables-save -c` for IPv6), parsed by parseIptablesCounters */
  iptables: IptablesState | null;
  /** `nft list ruleset` */
  nft: string | null;
}

/** What the inventory knows of a Docker bridge network beyond its rules. */
export interface DockerBridgeHint {
  bridge: string;
  internal?: boolean;
  /** com.docker.network.bridge.gateway_mode_ipv4: nat (default), nat-unprotected, routed, isolated */
  gatewayMode?: string;
  /** the network has an IPv6 subnet: its bridge has ip6tables rules where Docker writes them */
  ipv6?: boolean;
}

export interface LayoutRequirement {
  kind: 'table' | 'chain' | 'jump' | 'map-element' | 'direct-access-drop';
  backend: 'iptables' | 'nft';
  /** iptables table (filter, nat, raw) or nft "family name" */
  table: string;
  chain: string;
  /** the rule ("-A CHAIN ...", nft rule text), the map element ("\"br\" : jump X") or the chain/table name */
  text: string;
  /** other texts that meet the requirement as well */
  alternatives?: string[];
  purpose: string;
  fix: string;
  /** 6: an ip6tables rule or chain (or of `ip6 docker-bridges`) */
  family?: 6;
}

export interface LayoutReport {
  layout: DockerLayout;
  required: LayoutRequirement[];
  missing: LayoutRequirement[];
}

const RESTART = 'systemctl restart docker';
const IFNAME = /^[A-Za-z0-9_.@-]{1,15}$/;

/** What a layout's rules say differently in each family. */
interface FamilyWords {
  family: Family;
  tool: 'iptables' | 'ip6tables';
  /** the nft family of Docker's table */
  nft: 'ip' | 'ip6';
  /** OUTPUT's jump leaves loopback out */
  loopback: string;
  /** a container address as the DOCKER accept and the raw drop write it */
  hostMask: number;
  /** a DNAT's container address, as iptables-save and nft print it */
  dnatTo: RegExp;
  nftDnatTo: RegExp;
  /** appended to each purpose */
  tag: string;
}

const WORDS: Record<Family, FamilyWords> = {
  4: {
    family: 4, tool: 'iptables', nft: 'ip', loopback: '127.0.0.0/8', hostMask: 32, tag: '',
    dnatTo: / --to-destination (\d+\.\d+\.\d+\.\d+):\d+/, nftDnatTo: / dnat to (\d+\.\d+\.\d+\.\d+)/,
  },
  6: {
    family: 6, tool: 'ip6tables', nft: 'ip6', loopback: '::1/128', hostMask: 128, tag: ' (ip6tables)',
    dnatTo: / --to-destination \[([0-9a-f:]+)\]:\d+/, nftDnatTo: / dnat (?:ip6 )?to \[([0-9a-f:]+)\]/,
  },
};

// ---------------------------------------------------------------- recognition

const NFT_TABLE = 'docker-bridges';

/** Chain names iptables text mentions: declared, holding rules, or jumped to. */
function iptablesNames(ipt: IptablesState | null): Set<string> {
  const names = new Set<string>();
  for (const c of ipt?.chains ?? []) names.add(c.name);
  for (const r of ipt?.rules ?? []) {
    names.add(r.chain);
    if (r.target) names.add(r.target);
  }
  return names;
}

export function recogniseLayout(fw: DockerFirewall, family: Family = 4): DockerLayout | null {
  const names = iptablesNames(fw.iptables);
  if (names.has('DOCKER-INTERNAL')) return '29-iptables';
  if (['DOCKER-FORWARD', 'DOCKER-CT', 'DOCKER-BRIDGE'].some((n) => names.has(n))) {
    return [...names].some((n) => n.startsWith('DOCKER-ISOLATION-STAGE-')) ? '28' : '29-iptables';
  }
  if (fw.nft && parseNftRuleset(fw.nft).some((t) => t.name === NFT_TABLE && t.family === WORDS[family].nft)) return '29-nftables';
  if (['DOCKER-USER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2'].some((n) => names.has(n))) return '20.10-27';
  return null;
}

// ---------------------------------------------------------------- iptables layouts

/** The bridges Docker's rules name outside internal networks (any one rule of several is enough); true: a rule of every bridge, not only IPv6 ones, in ip6tables. */
const EXTERNAL_BRIDGE_RULES: Array<[string, RegExp, boolean?]> = [
  ['filter', /^-A (?:FORWARD|DOCKER-BRIDGE) -o (\S+) -j DOCKER$/],
  ['filter', /^-A (?:FORWARD|DOCKER-CT) -o (\S+) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT$/],
  ['filter', /^-A FORWARD -i (\S+) ! -o \S+ -j ACCEPT$/],
  ['filter', /^-A DOCKER-FORWARD -i (\S+) -j ACCEPT$/],
  ['filter', /^-A DOCKER-ISOLATION-STAGE-1 -i (\S+) ! -o \S+ -j DOCKER-ISOLATION-STAGE-2$/, true],
  ['filter', /^-A DOCKER-ISOLATION-STAGE-2 -o (\S+) -j DROP$/, true],
  ['filter', /^-A DOCKER ! -i (\S+) -o \S+ -j DROP$/, true],
  ['nat', /^-A DOCKER -i (\S+) -j RETURN$/],
  ['nat', /^-A POSTROUTING -s \S+ ! -o (\S+) -j MASQUERADE$/],
];

function externalBridges(ipt: IptablesState, hints: DockerBridgeHint[], family: Family): string[] {
  const found = new Set<string>();
  for (const r of ipt.rules) {
    for (const [table, re, everyBridge] of EXTERNAL_BRIDGE_RULES) {
      const m = r.table === table && !(family === 6 && everyBridge) ? re.exec(r.text) : null;
      if (m) found.add(m[1]!);
    }
  }
  for (const h of hints) if (!h.internal && (family === 4 || h.ipv6)) found.add(h.bridge);
  for (const h of hints) if (h.internal) found.delete(h.bridge);
  return [...found].filter((b) => IFNAME.test(b)).sort();
}

/** Container addresses Docker publishes ports of, with their bridge: from the DOCKER chains' per-port rules and the raw drops. */
function publishedAddresses(ipt: IptablesState, w: FamilyWords): Map<string, string> {
  const dnat = new Set<string>();
  for (const r of ipt.rules) {
    const m = r.table === 'nat' && r.target === 'DNAT' ? w.dnatTo.exec(r.text) : null;
    if (m) dnat.add(m[1]!);
  }
  const out = new Map<string, string>();
  const mask = w.hostMask;
  for (const r of ipt.rules) {
    let m = r.table === 'filter' && r.chain === 'DOCKER' ? new RegExp(`^-A DOCKER -d (\\S+)/${mask} ! -i (\\S+) -o \\2 .*-j ACCEPT$`).exec(r.text) : null;
    m ??= r.table === 'raw' && r.chain === 'PREROUTING' ? new RegExp(`^-A PREROUTING -d (\\S+)/${mask} ! -i (\\S+) -j DROP$`).exec(r.text) : null;
    if (m && dnat.has(m[1]!) && IFNAME.test(m[2]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

interface JumpSpec {
  table: string;
  chain: string;
  spec: string;
  purpose: string;
  /** other forms Docker writes it in */
  also?: string[];
}

const USER_JUMP: JumpSpec = { table: 'filter', chain: 'FORWARD', spec: '-j DOCKER-USER', purpose: 'FORWARD -> DOCKER-USER: user rules see forwarded traffic first' };

/** 28 and 29: FORWARD -> DOCKER-FORWARD -> DOCKER-CT, the isolation chain of the version, DOCKER-BRIDGE. */
const forwardJumps = (isolation: string, what: string): JumpSpec[] => [
  USER_JUMP,
  { table: 'filter', chain: 'FORWARD', spec: '-j DOCKER-FORWARD', purpose: 'FORWARD -> DOCKER-FORWARD: Docker\'s forwarding rules' },
  { table: 'filter', chain: 'DOCKER-FORWARD', spec: '-j DOCKER-CT', purpose: 'DOCKER-FORWARD -> DOCKER-CT: replies to containers\' connections' },
  { table: 'filter', chain: 'DOCKER-FORWARD', spec: `-j ${isolation}`, purpose: `DOCKER-FORWARD -> ${isolation}: ${what}` },
  { table: 'filter', chain: 'DOCKER-FORWARD', spec: '-j DOCKER-BRIDGE', purpose: 'DOCKER-FORWARD -> DOCKER-BRIDGE: traffic into each bridge' },
];

/** The unconditional jumps of each layout, in the order they stand in their chains. */
const GLOBAL_JUMPS: Record<Exclude<DockerLayout, '29-nftables'>, JumpSpec[]> = {
  '20.10-27': [
    USER_JUMP,
    { table: 'filter', chain: 'FORWARD', spec: '-j DOCKER-ISOLATION-STAGE-1', purpose: 'FORWARD -> DOCKER-ISOLATION-STAGE-1: isolation between networks' },
  ],
  '28': forwardJumps('DOCKER-ISOLATION-STAGE-1', 'isolation between networks'),
  '29-iptables': forwardJumps('DOCKER-INTERNAL', 'internal networks stay internal'),
};

const natJumps = (w: FamilyWords): JumpSpec[] => [
  { table: 'nat', chain: 'PREROUTING', spec: '-m addrtype --dst-type LOCAL -j DOCKER', purpose: 'PREROUTING -> DOCKER: published ports (DNAT)' },
  {
    table: 'nat', chain: 'OUTPUT', spec: `! -d ${w.loopback} -m addrtype --dst-type LOCAL -j DOCKER`, purpose: 'OUTPUT -> DOCKER: published ports from the host itself',
    also: ['-m addrtype --dst-type LOCAL -j DOCKER'], // --userland-proxy=false: loopback too
  },
];

/** Per external bridge: the jump that sends traffic into it to the DOCKER chain, and its isolation jump. */
function bridgeJumps(layout: Exclude<DockerLayout, '29-nftables'>, br: string): JumpSpec[] {
  const toDocker = layout === '20.10-27'
    ? { table: 'filter', chain: 'FORWARD', spec: `-o ${br} -j DOCKER`, purpose: `FORWARD -> DOCKER for ${br}: published ports and the network's own rules` }
    : { table: 'filter', chain: 'DOCKER-BRIDGE', spec: `-o ${br} -j DOCKER`, purpose: `DOCKER-BRIDGE -> DOCKER for ${br}: published ports and the network's own rules` };
  if (layout === '29-iptables') return [toDocker];
  return [toDocker, {
    table: 'filter', chain: 'DOCKER-ISOLATION-STAGE-1', spec: `-i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`,
    purpose: `DOCKER-ISOLATION-STAGE-1 -> STAGE-2 for ${br}: traffic leaving it is kept out of other networks`,
  }];
}

const tableOpt = (table: string) => (table === 'filter' ? '' : ` -t ${table}`);
const hasRule = (ipt: IptablesState, table: string, text: string) => ipt.rules.some((r) => r.table === table && r.text === text);
const hasChain = (ipt: IptablesState, table: string, name: string) => ipt.chains.some((c) => c.table === table && c.name === name);

/** Where a missing jump goes back: after the ones that precede it in the layout and are present. */
function insertFix(ipt: IptablesState, j: JumpSpec, before: JumpSpec[], tool: string): string {
  const position = before.filter((b) => b.table === j.table && b.chain === j.chain && hasRule(ipt, b.table, `-A ${b.chain} ${b.spec}`)).length + 1;
  return `${tool}${tableOpt(j.table)} -I ${j.chain} ${position} ${j.spec}`;
}

function iptablesRequirements(layout: Exclude<DockerLayout, '29-nftables'>, ipt: IptablesState, hints: DockerBridgeHint[], w: FamilyWords): LayoutRequirement[] {
  const out: LayoutRequirement[] = [];
  const family = w.family === 6 ? { family: 6 as const } : {};
  const push = (r: Omit<LayoutRequirement, 'backend'>) => out.push({ ...r, backend: 'iptables', purpose: `${r.purpose}${w.tag}`, ...family });
  const chain = (table: string, name: string, purpose: string) => push({ kind: 'chain', table, chain: name, text: name, purpose, fix: RESTART });
  chain('filter', 'DOCKER-USER', 'chain DOCKER-USER: user rules before Docker\'s');
  chain('filter', 'DOCKER', 'chain DOCKER: per-port accepts of published containers');
  if (layout !== '20.10-27') {
    chain('filter', 'DOCKER-FORWARD', 'chain DOCKER-FORWARD: Docker\'s forwarding rules');
    chain('filter', 'DOCKER-CT', 'chain DOCKER-CT: replies to containers\' connections');
    chain('filter', 'DOCKER-BRIDGE', 'chain DOCKER-BRIDGE: traffic into each bridge');
  }
  if (layout === '29-iptables') chain('filter', 'DOCKER-INTERNAL', 'chain DOCKER-INTERNAL: internal networks stay internal');
  else {
    chain('filter', 'DOCKER-ISOLATION-STAGE-1', 'chain DOCKER-ISOLATION-STAGE-1: isolation between networks');
    chain('filter', 'DOCKER-ISOLATION-STAGE-2', 'chain DOCKER-ISOLATION-STAGE-2: isolation between networks');
  }
  chain('nat', 'DOCKER', 'chain nat DOCKER: published ports (DNAT)');

  const jumps = [...GLOBAL_JUMPS[layout], ...natJumps(w)];
  jumps.forEach((j, k) => push({
    kind: 'jump', table: j.table, chain: j.chain, text: `-A ${j.chain} ${j.spec}`, purpose: j.purpose,
    ...(j.also && { alternatives: j.also.map((a) => `-A ${j.chain} ${a}`) }),
    fix: insertFix(ipt, j, jumps.slice(0, k), w.tool),
  }));
  for (const br of externalBridges(ipt, hints, w.family)) {
    for (const j of bridgeJumps(layout, br)) {
      // Docker puts each bridge's jumps at the head of STAGE-1 and after the conntrack accept in FORWARD; order among bridges does not matter
      const fix = j.chain === 'DOCKER-BRIDGE' ? `${w.tool} -A ${j.chain} ${j.spec}` : `${w.tool} -I ${j.chain} ${j.chain === 'FORWARD' ? forwardSlot(ipt, br) : 1} ${j.spec}`;
      push({ kind: 'jump', table: j.table, chain: j.chain, text: `-A ${j.chain} ${j.spec}`, purpose: j.purpose, fix });
    }
  }
  if (layout !== '20.10-27' && ipt.chains.some((c) => c.table === 'raw')) {
    const unprotected = new Set(hints.filter((h) => h.gatewayMode && h.gatewayMode !== 'nat').map((h) => h.bridge));
    for (const [ip, br] of publishedAddresses(ipt, w)) {
      if (unprotected.has(br)) continue;
      const spec = `-d ${ip}/${w.hostMask} ! -i ${br} -j DROP`;
      push({
        kind: 'direct-access-drop', table: 'raw', chain: 'PREROUTING', text: `-A PREROUTING ${spec}`,
        purpose: `raw PREROUTING drops direct access to ${ip} from outside ${br}: only its published ports are reachable`,
        fix: `${w.tool} -t raw -I PREROUTING 1 ${spec}`,
      });
    }
  }
  return out;
}

/** 20.10's FORWARD: a bridge's jump to DOCKER stands right after its conntrack accept, else after the global jumps. */
function forwardSlot(ipt: IptablesState, br: string): number {
  const forward = ipt.rules.filter((r) => r.table === 'filter' && r.chain === 'FORWARD');
  const ct = forward.find((r) => r.text === `-A FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  if (ct) return ct.position + 1;
  return forward.filter((r) => r.text === '-A FORWARD -j DOCKER-USER' || r.text === '-A FORWARD -j DOCKER-ISOLATION-STAGE-1').length + 1;
}

function iptablesPresent(ipt: IptablesState, r: LayoutRequirement): boolean {
  return r.kind === 'chain' ? hasChain(ipt, r.table, r.chain) : [r.text, ...(r.alternatives ?? [])].some((t) => hasRule(ipt, r.table, t));
}

// ---------------------------------------------------------------- nftables layout

const NFT_MAPS = [
  { map: 'filter-forward-in-jumps', chain: 'filter-FORWARD', rule: 'oifname vmap @filter-forward-in-jumps', prefix: 'filter-forward-in__', what: 'forwarded traffic into' },
  { map: 'filter-forward-out-jumps', chain: 'filter-FORWARD', rule: 'iifname vmap @filter-forward-out-jumps', prefix: 'filter-forward-out__', what: 'forwarded traffic out of' },
  { map: 'nat-postrouting-in-jumps', chain: 'nat-POSTROUTING', rule: 'oifname vmap @nat-postrouting-in-jumps', prefix: 'nat-postrouting-in__', what: 'NAT of traffic into' },
  { map: 'nat-postrouting-out-jumps', chain: 'nat-POSTROUTING', rule: 'iifname vmap @nat-postrouting-out-jumps', prefix: 'nat-postrouting-out__', what: 'NAT (MASQUERADE) of traffic out of' },
];

const NFT_BASE_CHAINS = ['filter-FORWARD', 'nat-PREROUTING', 'nat-OUTPUT', 'nat-POSTROUTING', 'raw-PREROUTING', 'nat-prerouting-and-output'];

const nftJumps = (w: FamilyWords): Array<{ chain: string; rule: string; purpose: string; also?: string[] }> => [
  { chain: 'nat-PREROUTING', rule: 'fib daddr type local jump nat-prerouting-and-output', purpose: 'nat-PREROUTING -> nat-prerouting-and-output: published ports (DNAT)' },
  {
    chain: 'nat-OUTPUT', rule: `${w.nft} daddr != ${w.family === 6 ? '::1' : '127.0.0.0/8'} fib daddr type local jump nat-prerouting-and-output`,
    purpose: 'nat-OUTPUT -> nat-prerouting-and-output: published ports from the host itself',
    also: ['fib daddr type local jump nat-prerouting-and-output'], // --userland-proxy=false: loopback too
  },
];

const nftFix = (args: string) => `nft '${args}'`;

function nftBridges(t: NftTableText, hints: DockerBridgeHint[]): string[] {
  const found = new Set(hints.map((h) => h.bridge));
  for (const { map, prefix } of NFT_MAPS) {
    for (const k of t.maps.get(map)?.keys() ?? []) found.add(k);
    for (const c of t.chains.keys()) if (c.startsWith(prefix)) found.add(c.slice(prefix.length));
  }
  return [...found].filter((b) => IFNAME.test(b)).sort();
}

/** Published container addresses and their bridge: the accept of filter-forward-in__<bridge> for an address that nat-prerouting-and-output DNATs to. */
function nftPublished(t: NftTableText, w: FamilyWords): Map<string, string> {
  const dnat = new Set<string>();
  for (const r of t.chains.get('nat-prerouting-and-output')?.rules ?? []) {
    const m = w.nftDnatTo.exec(` ${r}`);
    if (m) dnat.add(m[1]!);
  }
  const out = new Map<string, string>();
  for (const [name, c] of t.chains) {
    if (!name.startsWith('filter-forward-in__')) continue;
    for (const r of c.rules) {
      const m = new RegExp(`^${w.nft} daddr (\\S+) .*accept$`).exec(r);
      if (m && dnat.has(m[1]!)) out.set(m[1]!, name.slice('filter-forward-in__'.length));
    }
  }
  for (const r of t.chains.get('raw-PREROUTING')?.rules ?? []) {
    const m = new RegExp(`^${w.nft} daddr (\\S+) iifname != "([^"]+)" drop$`).exec(r);
    if (m && dnat.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

function nftRequirements(t: NftTableText, hints: DockerBridgeHint[], w: FamilyWords): LayoutRequirement[] {
  const table = `${w.nft} ${NFT_TABLE}`;
  const out: LayoutRequirement[] = [];
  const req = (kind: LayoutRequirement['kind'], chain: string, text: string, purpose: string, fix: string, alternatives?: string[]) =>
    out.push({ kind, backend: 'nft', table, chain, text, purpose, fix, ...(alternatives && { alternatives }), ...(w.family === 6 && { family: 6 as const }) });
  req('table', '', table, `table ${table}: all of Docker's ${familyName(w.family)} rules`, RESTART);
  for (const c of NFT_BASE_CHAINS) req('chain', c, c, `chain ${c} of Docker's nftables layout`, RESTART);
  for (const { map } of NFT_MAPS) req('chain', map, map, `verdict map ${map}`, RESTART);
  for (const { chain, rule, map } of NFT_MAPS) req('jump', chain, rule, `${chain} -> @${map}: per-bridge chains`, nftFix(`add rule ${table} ${chain} ${rule}`));
  for (const { chain, rule, purpose, also } of nftJumps(w)) req('jump', chain, rule, purpose, nftFix(`add rule ${table} ${chain} ${rule}`), also);
  for (const br of nftBridges(t, w.family === 6 ? hints.filter((h) => h.ipv6) : hints)) {
    for (const { map, prefix, what } of NFT_MAPS) {
      req('chain', `${prefix}${br}`, `${prefix}${br}`, `chain ${prefix}${br}: ${what} ${br}`, RESTART);
      req('map-element', map, `"${br}" : jump ${prefix}${br}`, `${map} sends ${what} ${br} to ${prefix}${br}`,
        nftFix(`add element ${table} ${map} { "${br}" : jump ${prefix}${br} }`));
    }
  }
  const unprotected = new Set(hints.filter((h) => h.gatewayMode && h.gatewayMode !== 'nat').map((h) => h.bridge));
  for (const [ip, br] of nftPublished(t, w)) {
    if (unprotected.has(br)) continue;
    const rule = `${w.nft} daddr ${ip} iifname != "${br}" drop`;
    req('direct-access-drop', 'raw-PREROUTING', rule, `raw-PREROUTING drops direct access to ${ip} from outside ${br}: only its published ports are reachable`,
      nftFix(`insert rule ${table} raw-PREROUTING ${rule}`));
  }
  return out;
}

function nftPresent(t: NftTableText | undefined, r: LayoutRequirement): boolean {
  if (r.kind === 'table') return !!t;
  if (!t) return false;
  if (r.kind === 'chain') return t.chains.has(r.chain) || t.maps.has(r.chain);
  if (r.kind === 'map-element') {
    const m = /^"([^"]+)" : (.+)$/.exec(r.text);
    return !!m && t.maps.get(r.chain)?.get(m[1]!) === m[2];
  }
  const rules = t.chains.get(r.chain)?.rules ?? [];
  return [r.text, ...(r.alternatives ?? [])].some((x) => rules.includes(normalizeNftRule(x)));
}

// ---------------------------------------------------------------- the report

/**
 * The layout installed, what it requires and what of that is missing; null when no Docker layout is recognised
 * (for IPv6: Docker leaves ip6tables alone, as 26 does without `--ip6tables`).
 */
export function dockerLayoutReport(fw: DockerFirewall, hints: DockerBridgeHint[] = [], family: Family = 4): LayoutReport | null {
  const layout = recogniseLayout(fw, family);
  if (!layout) return null;
  const w = WORDS[family];
  if (layout === '29-nftables') {
    const t = parseNftRuleset(fw.nft ?? '').find((x) => x.family === w.nft && x.name === NFT_TABLE);
    const required = nftRequirements(t ?? { family: w.nft, name: NFT_TABLE, chains: new Map(), maps: new Map() }, hints, w);
    return { layout, required, missing: required.filter((r) => !nftPresent(t, r)) };
  }
  const ipt = fw.iptables!;
  const required = iptablesRequirements(layout, ipt, hints, w);
  return { layout, required, missing: required.filter((r) => !iptablesPresent(ipt, r)) };
}
