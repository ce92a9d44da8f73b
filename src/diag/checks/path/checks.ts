import { fail, pass, skip, warn, type Check, type CheckResult, type Verdict } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import type { PathFacts } from './facts.js';
import { readPathFacts, type PathFactsOrNone } from './gather.js';
import { pathLines, withFirewall, type PathLine } from './draw.js';
import { walkPath, type Hop, type PathCheckId } from './walk.js';

/** What a path check is given: the path's facts, or why there is no bridge path to walk. */
export type PathCheckFacts = PathFactsOrNone;

const pathFacts = (ctx: DoctorContext): Promise<PathCheckFacts> => ctx.once('path.facts', () => readPathFacts(ctx));

/**
 * A check over the hops of the path walk: all of them read one set of facts
 * (gathered once per run) and each judges only the findings of its own id.
 */
function pathCheck(id: PathCheckId, title: string, healthy: (f: PathFacts) => string): Check<PathCheckFacts> {
  return {
    id,
    title,
    after: ['topology.exists', 'topology.common-network'],
    gather: pathFacts,
    judge(f): Verdict {
      if ('none' in f) return skip(f.none);
      const findings = walkPath(f).hops.flatMap((h, at) => h.findings.filter((x) => x.check === id).map((x) => ({ ...x, at })));
      const first = findings.find((x) => x.severity === 'fail') ?? findings[0];
      if (!first) return pass(healthy(f));
      const evidence = [...first.evidence, ...findings.filter((x) => x !== first).map((x) => `also: ${x.problem}`)];
      return { ...(first.severity === 'fail' ? fail(first.problem, evidence, first.fix) : warn(first.problem, evidence, first.fix)), at: first.at };
    },
  };
}

const ends = (f: PathFacts) => `${f.from.name} and ${f.to.name}`;
/** " (IPv4 and IPv6)" on a dual-stack path, " (IPv6)" on an IPv6-only one */
const familiesNote = (f: PathFacts) => (f.v6 ? ' (IPv4 and IPv6)' : f.from.address.includes(':') ? ' (IPv6)' : '');
const addressesOf = (f: PathFacts, end: 'from' | 'to') => [f[end].address, f.v6?.[end].address].filter(Boolean).join(' and ');

export const routeMissing = pathCheck('route.missing', 'each end routes the other\'s address out of its link on the shared network',
  (f) => `${f.from.name} and ${f.to.name} route each other over ${f.from.ifname}/${f.to.ifname} on ${f.network}${familiesNote(f)}`);
export const linkState = pathCheck('link.state', 'every link on the path is up with carrier',
  (f) => `${ends(f)}'s links, their veths' host ends and ${f.bridge} are up`);
export const linkMaster = pathCheck('link.master', 'both veths\' host ends are ports of the network\'s bridge',
  (f) => `${f.from.hostIf ?? '?'} and ${f.to.hostIf ?? '?'} are ports of ${f.bridge}`);
export const bridgePort = pathCheck('bridge.port', 'the bridge forwards through both ports',
  (f) => `${f.bridge} forwards through both ports`);
export const addrMissing = pathCheck('addr.missing', 'each end holds the address its network gave it',
  (f) => `${f.from.name} holds ${addressesOf(f, 'from')}, ${f.to.name} holds ${addressesOf(f, 'to')}`);
export const addrDuplicate = pathCheck('addr.duplicate', 'no other container claims either address',
  (f) => `no other of the ${f.others.length} container(s) on ${f.network} claims ${addressesOf(f, 'from')} or ${addressesOf(f, 'to')}${f.v6 || familiesNote(f) ? ', and duplicate address detection holds none back' : ''}`);
export const neighStale = pathCheck('neigh.stale', 'neighbour entries point at the right MACs',
  (f) => `${ends(f)}'s neighbour entries for each other${f.v6 ? ' (ARP and NDP)' : familiesNote(f) ? ' (NDP)' : ''}, where present, point at the right MACs`);

/** In the order the packet meets what they judge. */
export const PATH_CHECKS = [routeMissing, linkState, linkMaster, bridgePort, addrMissing, addrDuplicate, neighStale];
const PATH_IDS = new Set(PATH_CHECKS.map((c) => c.id));

/** The path as the report draws it (and --json carries it). */
export interface PathPicture {
  title: string;
  lines: PathLine[];
  hops: Hop[];
}

/** The checks that judge what the host's firewall hooks do to the packet as it crosses the bridge. */
const FIREWALL_IDS = ['fw.forward-policy', 'fw.rule-drop', 'fw.backend', 'kernel.br-netfilter', 'kernel.drop-reason'];

/**
 * The walk of a run whose checks included the path checks (their facts are
 * read once per run), with the host's firewall as the node the firewall
 * checks judged: null when there was no path to walk.
 */
export async function pathPicture(ctx: DoctorContext, results: ReadonlyArray<CheckResult>): Promise<PathPicture | null> {
  if (!results.some((r) => PATH_IDS.has(r.id))) return null;
  return drawPath(await pathFacts(ctx).catch(() => null), results);
}

/** The picture from recorded facts (a bundle judged again offline): pure. */
export function drawPath(f: PathCheckFacts | null, results: ReadonlyArray<CheckResult>): PathPicture | null {
  if (!f || 'none' in f) return null;
  const walk = walkPath(f);
  const fw = results.filter((r) => FIREWALL_IDS.includes(r.id));
  const blocked = fw.find((r) => r.status === 'fail') ?? fw.find((r) => r.status === 'warn');
  const lines = fw.length
    ? withFirewall(pathLines(walk), f.bridge, { label: 'firewall', mark: !blocked ? 'ok' : blocked.status === 'fail' ? 'broken' : 'warn', note: blocked ? `${blocked.id}: ${blocked.summary}` : null })
    : pathLines(walk);
  return { title: `path ${f.from.name} -> ${f.to.name} on ${f.network} (${f.bridge})`, lines, hops: walk.hops };
}
