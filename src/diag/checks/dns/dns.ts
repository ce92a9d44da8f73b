import type { ResolveResult } from '../../probe/protocol.js';
import { isLoopbackAddress, parseResolvConf } from '../../../netcore/bridge/resolvconf.js';
import { fail, pass, skip, type Check } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, isEngine, type FixTarget } from '../../fixes.js';
import { recreateCommand } from '../../recreate.js';
import { PATH_AND_FIREWALL, PATH_CHECK_IDS } from '../path/walk.js';
import { PODMAN_SEARCH_DOMAIN, aardvarkCause, aardvarkEvidence, forwardsForInternal, gatherAardvark, type AardvarkFacts } from './aardvark.js';

interface NetworkFact { name: string; userDefined: boolean }

export interface EmbeddedFacts extends FixTarget {
  from: string;
  to: string;
  networks: NetworkFact[];
  toNetworks: string[];
  resolvConf: string | null;
}

function networkFacts(ctx: DoctorContext, names: string[]): NetworkFact[] {
  return names.map((name) => {
    const n = ctx.networkNamed(name);
    return { name, userDefined: !!n && !n.isDefault && n.driver !== 'host' && n.driver !== 'null' };
  });
}

async function readResolvConf(ctx: DoctorContext): Promise<string | null> {
  const path = ctx.target.from?.resolvConfPath;
  return path ? ctx.host.readFile(path) : null;
}

export const dnsEmbedded: Check<EmbeddedFacts> = {
  id: 'dns.embedded',
  title: 'the querier has name resolution for containers',
  after: ['topology.exists'],
  async gather(ctx) {
    const { from, to } = ctx.target;
    return {
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: ctx.target.fromName, to: ctx.target.toName,
      networks: networkFacts(ctx, from!.endpoints.map((e) => e.network)), toNetworks: to!.endpoints.map((e) => e.network),
      resolvConf: await readResolvConf(ctx),
    };
  },
  judge(f) {
    const conf = f.resolvConf ? parseResolvConf(f.resolvConf) : null;
    const off = f.backend === 'podman' ? ' (DNS off: podman\'s default network, or --disable-dns)' : ' (default bridge: no embedded DNS)';
    const evidence = [`${f.from} is on: ${f.networks.map((n) => `${n.name}${n.userDefined ? '' : off}`).join(', ') || 'no network'}`];
    if (conf) evidence.push(`${f.from}'s resolver: ${conf.nameservers.join(', ') || 'no nameserver'}`);
    if (f.networks.some((n) => n.userDefined)) return pass(`${f.from} is on a user-defined network with embedded DNS`, evidence);
    if (!f.networks.length) return skip(`${f.from} has no network (host or none): names come from the host's resolver`, evidence);
    const shared = f.toNetworks.find((n) => f.networks.every((x) => x.name !== n) && !DEFAULT_NETWORKS.has(n));
    const fix = shared
      ? cli(f, `network connect ${shared} ${f.from}`)
      : `${cli(f, `network create app`)} && ${cli(f, `network connect app ${f.from}`)} && ${cli(f, `network connect app ${f.to}`)}`;
    const summary = f.backend === 'podman'
      ? `${f.from} is only on ${f.networks.map((n) => n.name).join(', ')}, with DNS off: aardvark-dns resolves no container names there`
      : `${f.from} is only on the default bridge, which resolves no container names`;
    return fail(summary, evidence, fix);
  },
};

/** The engines' default networks, which have no embedded DNS (Docker's `bridge`, Podman's `podman`). */
const DEFAULT_NETWORKS = new Set(['bridge', 'podman']);

export interface ResolvePeerFacts extends FixTarget {
  from: string;
  to: string;
  /** the peer's addresses on networks the querier shares with it */
  sharedAddresses: string[];
  allAddresses: string[];
  queries: Array<{ name: string; result: ResolveResult }>;
  /** the peer's IPv6 addresses on shared networks and the AAAA query of each name asked (absent: the pair shares no IPv6) */
  sharedAddresses6?: string[];
  aaaas?: Array<{ name: string; result: ResolveResult }>;
  /** recorded before every name was asked AAAA: the first name's only */
  aaaa?: { name: string; result: ResolveResult };
  /** Podman: aardvark-dns as it stands for the shared network (why it does not answer, when it does not) */
  aardvark?: AardvarkFacts;
  /** a Compose peer: its service name (what its neighbours' code asks, so asked first) and its aliases on the shared network */
  service?: { name: string; network: string; aliases: string[] };
}

/** The peer's Compose service name when it differs from its container name, with the shared endpoint's aliases. */
function composeService(ctx: DoctorContext): ResolvePeerFacts['service'] | undefined {
  const name = ctx.target.to?.compose?.service;
  const endpoint = ctx.sharedEndpoints()[0]?.to;
  if (!name || name === ctx.target.toName || !endpoint) return undefined;
  return { name, network: endpoint.network, aliases: endpoint.aliases };
}

/**
 * The service name fails while the container's own name resolves to a shared
 * address: the engine lost (or was never given) the alias Compose sets on
 * each network, so the neighbours' code, which asks the service, fails.
 */
function serviceAliasLost(f: ResolvePeerFacts, asked: string) {
  const service = f.service!;
  if (asked !== service.name) return null;
  const byName = f.queries.find((q) => q.name === f.to)?.result;
  if (!byName?.addresses.some((a) => f.sharedAddresses.includes(a))) return null;
  const missing = !service.aliases.includes(service.name);
  return {
    summary: `${service.name}, the Compose service ${f.to} runs, does not resolve from ${f.from}, though ${f.to} does${missing ? `: ${f.to} has no alias ${service.name} on ${service.network}` : ''}`,
    evidence: `${f.to}'s aliases on ${service.network}: ${service.aliases.join(', ') || '(none)'}`,
    fix: isEngine(f.backend) && missing
      ? `${cli(f, `network disconnect ${service.network} ${f.to}`)} && ${cli(f, `network connect --alias ${service.name} ${service.network} ${f.to}`)}`
      : null,
  };
}

export const dnsResolvePeer: Check<ResolvePeerFacts> = {
  id: 'dns.resolve-peer',
  title: 'the peer\'s name resolves to an address on a shared network',
  after: ['topology.exists', 'topology.common-network', 'dns.embedded'],
  consequenceOf: PATH_AND_FIREWALL,
  async gather(ctx) {
    const { from, to } = ctx.target;
    const agent = ctx.agentIn(from!);
    const shared = ctx.sharedEndpoints();
    // aardvark-dns answers NAME and NAME.dns.podman (its search domain), not NAME.NETWORK
    const podmanNet = ctx.inventory.backend === 'podman' ? shared.find((s) => ctx.networkNamed(s.network)?.isDefault === false) : undefined;
    const service = composeService(ctx);
    const names = [...(service ? [service.name] : []), ctx.target.toName,
      ...(ctx.inventory.backend === 'podman' ? [`${ctx.target.toName}.${PODMAN_SEARCH_DOMAIN}`] : shared.map((s) => `${ctx.target.toName}.${s.network}`))];
    const ask = (name: string, qtype: 'A' | 'AAAA') => ctx.once(`resolve:${qtype}:${name}`, () => agent.call('resolve', { name, qtype, resolvConf: from!.resolvConfPath, timeoutMs: 4000 }));
    const sharedAddresses6 = ctx.families().includes(6) ? shared.map((s) => s.to.ipv6).filter((a): a is string => !!a) : [];
    const [queries, aaaas] = await Promise.all([
      Promise.all(names.map(async (name) => ({ name, result: await ask(name, 'A') }))),
      sharedAddresses6.length ? Promise.all(names.map(async (name) => ({ name, result: await ask(name, 'AAAA') }))) : null,
    ]);
    return {
      ...(aaaas ? { sharedAddresses6, aaaas } : {}),
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: ctx.target.fromName, to: ctx.target.toName,
      sharedAddresses: shared.map((s) => s.to.ipv4).filter((a): a is string => !!a),
      allAddresses: to!.endpoints.map((e) => e.ipv4).filter((a): a is string => !!a), queries,
      ...(podmanNet ? { aardvark: await gatherAardvark(ctx, podmanNet.network) } : {}),
      ...(service ? { service } : {}),
    };
  },
  judge(f) {
    const evidence = f.queries.map(({ name, result: r }) =>
      `${name} @${r.server ?? '?'}: ${r.error ? r.error : `${r.rcode} ${r.addresses.join(' ') || '(no address)'}`} in ${r.ms.toFixed(1)} ms`);
    const first = f.queries[0];
    if (!first) return skip('nothing to resolve');
    const aaaas = aaaaQueries(f);
    for (const q of aaaas) evidence.push(`${q.name} AAAA @${q.result.server ?? '?'}: ${q.result.error ?? `${q.result.rcode} ${q.result.addresses.join(' ') || '(no address)'}`} in ${q.result.ms.toFixed(1)} ms`);
    // an IPv6-only pair: only AAAA can name the peer's address
    if (!f.sharedAddresses.length && aaaas.length) return judgeAaaa(f, evidence, null) ?? pass(`${aaaas[0]!.name} resolves to ${aaaas[0]!.result.addresses.join(', ')} (AAAA)`, evidence);
    const r = first.result;
    const good = r.addresses.filter((a) => f.sharedAddresses.includes(a));
    // before aardvark's causes: the container's own name answering shows the server answers
    const lostAlias = !good.length && f.service ? serviceAliasLost(f, first.name) : null;
    if (lostAlias) return fail(lostAlias.summary, [...evidence, lostAlias.evidence], lostAlias.fix);
    if (f.aardvark && !r.addresses.length) {
      const cause = aardvarkCause(f.aardvark, f.to, f);
      if (cause) return fail(cause.summary, [...evidence, ...cause.evidence], cause.fix);
    }
    if (r.error === 'timeout') {
      return fail(`${f.from}'s resolver ${r.server} does not answer`, evidence,
        f.backend === 'native' ? cli(f, 'dns serve') : cli(f, `restart ${f.from}`));
    }
    if (r.error) return fail(`${f.from} cannot resolve ${first.name}: ${r.error}`, evidence, null);
    if (good.length) {
      const all = f.aardvark ? [...evidence, ...aardvarkEvidence(f.aardvark, f.to)] : evidence;
      const v6 = aaaas[0]?.result.addresses.filter((a) => f.sharedAddresses6?.includes(a)) ?? [];
      return judgeAaaa(f, all, good) ?? pass(`${first.name} resolves to ${[...good, ...v6].join(', ')}${v6.length ? ' (A and AAAA)' : ''}`, all);
    }
    if (r.addresses.length) {
      return fail(`${first.name} resolves to ${r.addresses.join(', ')}, not to an address on a network ${f.from} shares with ${f.to}`, evidence,
        f.sharedAddresses.length ? null : cli(f, `network connect NETWORK ${f.from}`));
    }
    const notShared = f.sharedAddresses.length === 0;
    return fail(`${first.name} does not resolve from ${f.from} (${r.rcode})`, evidence,
      notShared ? cli(f, `network connect NETWORK-OF-${f.to} ${f.from}`) : null);
  },
};

/**
 * The AAAA side of a pair that shares IPv6: null when the AAAA answer names
 * the peer's IPv6 address; else which record is missing (an application that
 * asks AAAA first fails while A resolves).
 */
function judgeAaaa(f: ResolvePeerFacts, evidence: string[], a: string[] | null) {
  const shared6 = f.sharedAddresses6 ?? [];
  // every name asked must name it: an application may use any of them (db, db.app)
  const q = aaaaQueries(f).find((x) => !x.result.addresses.some((y) => shared6.includes(y)));
  if (!q) return null;
  const aText = a ? `A resolves (${a.join(', ')}) but ` : '';
  if (q.result.error) return fail(`${aText}AAAA ${q.name} gets no answer from ${f.from}: ${q.result.error}`, evidence, null);
  // the first name is the one the summary's A speaks of; another is named
  const aaaa = q === aaaaQueries(f)[0] ? 'AAAA' : `AAAA of ${q.name}`;
  const got = q.result.addresses.length ? `${aaaa} answers ${q.result.addresses.join(', ')}, not` : `${aaaa} has no record (${q.result.rcode}) for`;
  return fail(`${aText}${got} ${f.to}'s IPv6 address ${shared6.join(', ')}`, evidence, null);
}

/** The AAAA queries of a run: every name's, or the first name's alone in facts recorded before. */
const aaaaQueries = (f: ResolvePeerFacts) => f.aaaas ?? (f.aaaa ? [f.aaaa] : []);

/** The name each upstream is asked for: resolvers answer it themselves (RFC 6761), so nothing leaves them. */
export const UPSTREAM_PROBE_NAME = 'localhost';

export interface UpstreamProbe {
  address: string;
  /** where queries to it start: the host namespace (embedded server) or the container's own */
  dialledFrom: 'host' | 'container';
  result: ResolveResult;
}

export interface UpstreamFacts extends FixTarget {
  from: string;
  /** embedded: the container's DNS server forwards (ExtServers); direct: the container asks the upstreams itself */
  mode: 'embedded' | 'direct';
  resolvConfPath: string | null;
  probes: UpstreamProbe[];
  /** the container's networks when every one of them is --internal (nothing is forwarded from the host for it), else [] */
  internalNetworks: string[];
  /** native: the commands that make the container again without its --dns */
  recreate: string | null;
  /** Podman: aardvark-dns is the container's first nameserver; it forwards from the host namespace */
  aardvark?: { pid: number | null; version: string | null; resolvConf: string };
}

/**
 * The upstreams of a container and where they are dialled from. With an
 * embedded server they are in the `# ExtServers: [...]` comment; Docker marks
 * the ones its resolver dials from the host namespace as host(IP), the others
 * it dials from inside the container (tsdiag's server follows the same rule).
 * Without an embedded server the container asks its nameservers itself.
 */
export function upstreamsOf(resolvConf: string, ownServers: string[] = []): { mode: 'embedded' | 'direct'; upstreams: Array<{ address: string; dialledFrom: 'host' | 'container' }> } {
  const ext = /^#\s*ExtServers:\s*\[(.*)\]\s*$/m.exec(resolvConf);
  if (ext) {
    const entries = ext[1]!.split(/[\s,]+/).filter(Boolean);
    return {
      mode: 'embedded',
      upstreams: entries.map((e) => {
        const host = /^host\((.*)\)$/.exec(e);
        return { address: host ? host[1]! : e, dialledFrom: host ? 'host' : 'container' };
      }),
    };
  }
  const nameservers = parseResolvConf(resolvConf).nameservers;
  // an embedded resolver that does not list its upstreams (Docker before 25): only the container's own
  // --dns servers (from the engine) are known, and those it dials from inside the container
  if (nameservers.length === 1 && nameservers[0] === DOCKER_EMBEDDED_RESOLVER) {
    return { mode: 'embedded', upstreams: ownServers.map((address) => ({ address, dialledFrom: 'container' as const })) };
  }
  return { mode: 'direct', upstreams: nameservers.map((address) => ({ address, dialledFrom: 'container' as const })) };
}

const DOCKER_EMBEDDED_RESOLVER = '127.0.0.11';

const answered = (r: ResolveResult) => r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN';

function describeProbe(p: UpstreamProbe): string {
  const where = p.dialledFrom === 'host' ? 'from the host namespace' : 'from inside the container';
  const what = p.result.error ? (p.result.error === 'timeout' ? `no answer in ${p.result.ms.toFixed(0)} ms` : p.result.error) : `${p.result.rcode} in ${p.result.ms.toFixed(1)} ms`;
  return `${p.address} (dialled ${where}): ${what}`;
}

export const dnsUpstream: Check<UpstreamFacts> = {
  id: 'dns.upstream',
  title: 'outside names resolve through the upstream servers, without delay',
  // upstreams dialled from inside the container leave through the host's forwarding: with it off they cannot answer
  after: ['topology.exists', 'kernel.ip-forward'],
  consequenceOf: PATH_CHECK_IDS,
  async gather(ctx) {
    const from = ctx.target.from!;
    const text = from.resolvConfPath ? await ctx.host.readFile(from.resolvConfPath) : null;
    const aardvark = ctx.inventory.backend === 'podman' ? await aardvarkOf(ctx, text ?? '') : null;
    const { mode, upstreams } = aardvark ? aardvarkUpstreams(aardvark, text ?? '') : upstreamsOf(text ?? '', from.dnsServers);
    const probes = await Promise.all(upstreams.map(async (u) => {
      const agent = u.dialledFrom === 'host' ? ctx.host.agent : ctx.agentIn(from);
      const result = await agent.call('resolve', { name: UPSTREAM_PROBE_NAME, server: u.address, timeoutMs: 4000 });
      return { ...u, result };
    }));
    const networks = from.endpoints.map((ep) => ctx.networkNamed(ep.network));
    const internalNetworks = networks.length && networks.every((n) => n?.internal) ? networks.map((n) => n!.name) : [];
    return { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: ctx.target.fromName, mode, resolvConfPath: from.resolvConfPath, probes, internalNetworks,
      recreate: ctx.inventory.backend === 'native' ? recreateCommand({ backend: 'native', hostNetns: ctx.inventory.hostNetns }, from) : null,
      ...(aardvark ? { aardvark: { pid: aardvark.pid, version: aardvark.version, resolvConf: aardvark.resolvConf ?? '' } } : {}) };
  },
  judge(f) {
    const evidence = f.probes.map(describeProbe);
    if (!f.probes.length && f.mode === 'embedded') {
      return skip(`${f.from}'s embedded resolver does not list its upstream servers (no ExtServers in ${f.resolvConfPath ?? 'its resolver file'}): nothing to probe`);
    }
    if (!f.probes.length) {
      return fail(`${f.from} has no upstream DNS server: outside names cannot resolve`, [`no upstream in ${f.resolvConfPath ?? 'its resolver file'}`],
        isEngine(f.backend) ? `${f.backend} run --dns <server> ... (or add a nameserver to the host's /etc/resolv.conf)` : `add a nameserver to the host's resolver file (${f.hostNetns ? `/etc/netns/${f.hostNetns}/resolv.conf` : '/etc/resolv.conf'})`);
    }
    if (f.internalNetworks.length && f.aardvark && forwardsForInternal(f.aardvark.version)) {
      evidence.push(`${f.internalNetworks.join(', ')} ${f.internalNetworks.length > 1 ? 'are' : 'is'} --internal, yet ${f.aardvark.version} forwards outside names for it from the host namespace (aardvark-dns 1.11 and later do not)`);
    } else if (f.internalNetworks.length) {
      const internalFail = judgeInternalOnly(f, evidence);
      if (internalFail) return internalFail;
    }
    const firstGood = f.probes.findIndex((p) => answered(p.result));
    const dead = f.probes.filter((p) => !answered(p.result));
    if (firstGood === 0) return pass(`${f.probes[0]!.address} answers in ${f.probes[0]!.result.ms.toFixed(1)} ms`, evidence);
    const loopbackInside = dead.find((p) => p.dialledFrom === 'container' && isLoopbackAddress(p.address));
    // aardvark-dns reads the /etc/resolv.conf of its own filesystem again when it gets SIGHUP
    const hostFile = f.hostNetns && !f.aardvark ? `/etc/netns/${f.hostNetns}/resolv.conf` : '/etc/resolv.conf';
    const reread = f.aardvark?.pid && dead.some((p) => p.dialledFrom === 'host') ? [`kill -HUP ${f.aardvark.pid}`] : [];
    const fix = loopbackInside
      ? (f.recreate ?? `${f.backend} run --dns <an address reachable from the container> ... (${loopbackInside.address} is the container's own loopback)`)
      : [`sed -i ${[...new Set(dead.map((p) => p.address))].map((a) => `-e '/^nameserver ${a.replace(/\./g, '\\.')}$/d'`).join(' ')} ${hostFile}`,
        ...reread, ...(isEngine(f.backend) ? [cli(f, `restart ${f.from}`)] : [])].join(' && ');
    if (firstGood < 0) {
      return fail(`no upstream of ${f.from} answers: outside names do not resolve${loopbackInside ? ` (${loopbackInside.address} is dialled from inside the container, where nothing listens)` : ''}`, evidence, fix);
    }
    const delay = dead.filter((p) => p.result.error === 'timeout').length * 4;
    return fail(`${dead.map((p) => p.address).join(', ')} ${dead.length > 1 ? 'do' : 'does'} not answer: every outside lookup waits ${delay || 'a few'} s before ${f.probes[firstGood]!.address} answers`, evidence, fix);
  },
};

/** aardvark-dns when it is the container's first nameserver (a gateway it listens on), else null. */
async function aardvarkOf(ctx: DoctorContext, resolvConf: string): Promise<AardvarkFacts | null> {
  const first = parseResolvConf(resolvConf).nameservers[0];
  const ep = ctx.target.from!.endpoints.find((e) => ctx.networkNamed(e.network)?.gateway === first && ctx.networkNamed(e.network)?.isDefault === false);
  return ep ? gatherAardvark(ctx, ep.network) : null;
}

/**
 * A Podman container's upstreams: aardvark forwards outside names to the
 * nameservers of its own resolver file, from the host namespace; when it gives
 * no answer the container's resolver tries its next nameservers (the host's,
 * copied at creation) from inside the container.
 */
function aardvarkUpstreams(a: AardvarkFacts, resolvConf: string): ReturnType<typeof upstreamsOf> {
  const own = parseResolvConf(resolvConf).nameservers.filter((n) => !a.gateways.includes(n));
  const forwarded = a.resolvConf ? parseResolvConf(a.resolvConf).nameservers : [];
  return {
    mode: 'embedded',
    upstreams: [...forwarded.map((address) => ({ address, dialledFrom: 'host' as const })), ...own.map((address) => ({ address, dialledFrom: 'container' as const }))],
  };
}

/**
 * A container only on --internal networks: its resolver never forwards from
 * the host namespace (Docker's rule), so only the upstreams dialled from inside
 * the container count, and on an internal network those rarely reach anything.
 */
function judgeInternalOnly(f: UpstreamFacts, evidence: string[]) {
  const usable = f.probes.filter((p) => p.dialledFrom === 'container');
  if (usable.some((p) => answered(p.result))) return null;
  const nets = f.internalNetworks.join(', ');
  const unused = f.probes.filter((p) => p.dialledFrom === 'host').map((p) => `${p.address} is not used: ${f.from} is only on --internal networks`);
  const fix = cli(f, `network connect <a network that is not --internal> ${f.from}`);
  return fail(`${f.from} is only on --internal network${f.internalNetworks.length > 1 ? 's' : ''} ${nets}: outside names are not forwarded for it and fail with SERVFAIL`, [...evidence, ...unused], fix);
}
