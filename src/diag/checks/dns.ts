import type { ResolveResult } from '../../netcore/agent/protocol.js';
import { parseResolvConf } from '../../netcore/resolvconf.js';
import { fail, pass, skip, type Check } from '../check.js';
import type { DoctorContext } from '../context.js';
import { cli, type FixTarget } from '../fixes.js';

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
    const evidence = [`${f.from} is on: ${f.networks.map((n) => `${n.name}${n.userDefined ? '' : ' (default bridge: no embedded DNS)'}`).join(', ') || 'no network'}`];
    if (conf) evidence.push(`${f.from}'s resolver: ${conf.nameservers.join(', ') || 'no nameserver'}`);
    if (f.networks.some((n) => n.userDefined)) return pass(`${f.from} is on a user-defined network with embedded DNS`, evidence);
    if (!f.networks.length) return skip(`${f.from} has no network (host or none): names come from the host's resolver`, evidence);
    const shared = f.toNetworks.find((n) => f.networks.every((x) => x.name !== n) && n !== 'bridge');
    const fix = shared
      ? cli(f, `network connect ${shared} ${f.from}`)
      : `${cli(f, `network create app`)} && ${cli(f, `network connect app ${f.from}`)} && ${cli(f, `network connect app ${f.to}`)}`;
    return fail(`${f.from} is only on the default bridge, which resolves no container names`, evidence, fix);
  },
};

export interface ResolvePeerFacts extends FixTarget {
  from: string;
  to: string;
  /** the peer's addresses on networks the querier shares with it */
  sharedAddresses: string[];
  allAddresses: string[];
  queries: Array<{ name: string; result: ResolveResult }>;
}

export const dnsResolvePeer: Check<ResolvePeerFacts> = {
  id: 'dns.resolve-peer',
  title: 'the peer\'s name resolves to an address on a shared network',
  after: ['topology.exists', 'dns.embedded'],
  async gather(ctx) {
    const { from, to } = ctx.target;
    const agent = ctx.agentIn(from!);
    const shared = ctx.sharedEndpoints();
    const names = [ctx.target.toName, ...shared.map((s) => `${ctx.target.toName}.${s.network}`)];
    const queries = await Promise.all(names.map(async (name) => ({
      name, result: await ctx.once(`resolve:${name}`, () => agent.call('resolve', { name, resolvConf: from!.resolvConfPath, timeoutMs: 4000 })),
    })));
    return {
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: ctx.target.fromName, to: ctx.target.toName,
      sharedAddresses: shared.map((s) => s.to.ipv4).filter((a): a is string => !!a),
      allAddresses: to!.endpoints.map((e) => e.ipv4).filter((a): a is string => !!a), queries,
    };
  },
  judge(f) {
    const evidence = f.queries.map(({ name, result: r }) =>
      `${name} @${r.server ?? '?'}: ${r.error ? r.error : `${r.rcode} ${r.addresses.join(' ') || '(no address)'}`} in ${r.ms.toFixed(1)} ms`);
    const first = f.queries[0];
    if (!first) return skip('nothing to resolve');
    const r = first.result;
    if (r.error === 'timeout') {
      return fail(`${f.from}'s resolver ${r.server} does not answer`, evidence,
        f.backend === 'native' ? cli(f, 'dns serve') : `docker restart ${f.from}`);
    }
    if (r.error) return fail(`${f.from} cannot resolve ${first.name}: ${r.error}`, evidence, null);
    const good = r.addresses.filter((a) => f.sharedAddresses.includes(a));
    if (good.length) return pass(`${first.name} resolves to ${good.join(', ')}`, evidence);
    if (r.addresses.length) {
      return fail(`${first.name} resolves to ${r.addresses.join(', ')}, not to an address on a network ${f.from} shares with ${f.to}`, evidence,
        f.sharedAddresses.length ? null : cli(f, `network connect NETWORK ${f.from}`));
    }
    const notShared = f.sharedAddresses.length === 0;
    return fail(`${first.name} does not resolve from ${f.from} (${r.rcode})`, evidence,
      notShared ? cli(f, `network connect NETWORK-OF-${f.to} ${f.from}`) : null);
  },
};
