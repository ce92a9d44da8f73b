import { UsageError } from '../../netcore/errors.js';
import { serviceLabel } from './compose.js';
import type { CurrentProject } from './compose-project.js';
import { namedBy, servesAs } from './names.js';
import type { InvContainer } from './types.js';

/** A name as asked, and the container it stands for. */
export interface ResolvedName {
  asked: string;
  /** the container's name: the asked one when it names a container, or nothing at all */
  container: string;
  /** when a compose service gave the container */
  service?: ServicePick;
}

/** The compose service a name was resolved through: project/service, the container number taken, how many replicas there are. */
export interface ServicePick {
  label: string;
  number: number | null;
  replicas: number;
}

type Service = InvContainer & { compose: NonNullable<InvContainer['compose']> };

/**
 * Names to containers, Compose's way. A container's own name (or id) wins;
 * else a service name (web, or shop/web) is looked up in the current project
 * (--project, COMPOSE_PROJECT_NAME, the compose file here), else in the only
 * project that has all the services asked, else in the only project that has
 * that one. More than one candidate is a UsageError listing them. A name that
 * is neither stays as asked (topology.exists says it is unknown).
 */
export function resolveServiceNames(containers: InvContainer[], names: string[], project: CurrentProject | null): ResolvedName[] {
  const services = containers.filter((c): c is Service => !!c.compose);
  const found = names.map((n) => (containers.some((c) => namedBy(c, n)) ? [] : services.filter((c) => servesAs(c, n))));
  const common = commonProjects(found.filter((cs) => cs.length > 0));
  const chosen = names.map((n, i) => {
    const own = projectsOf(found[i]!);
    if (own.length === 0) return null;
    if (project && !n.includes('/')) return project.name;
    if (own.length === 1) return own[0]!;
    return common.length === 1 ? common[0]! : undefined;
  });
  const unsure = [...new Set(names.filter((_, i) => chosen[i] === undefined))];
  if (unsure.length) throw ambiguous(unsure, found.filter((_, i) => chosen[i] === undefined).flat());
  return names.map((asked, i) => {
    if (chosen[i] === null) return { asked, container: asked };
    const inProject = found[i]!.filter((c) => c.compose.project === chosen[i]);
    if (!inProject.length) throw notInProject(asked, found[i]!, project!);
    const pick = execPick(inProject);
    const replicas = inProject.filter((c) => !c.compose.oneOff).length;
    return { asked, container: pick.name, service: { label: serviceLabel(pick.compose), number: pick.compose.number, replicas } };
  });
}

const projectsOf = (cs: Service[]) => [...new Set(cs.map((c) => c.compose.project))].sort();

/** the projects that have every one of the names asked */
function commonProjects(perName: Service[][]): string[] {
  const [first, ...rest] = perName.map(projectsOf);
  return (first ?? []).filter((p) => rest.every((ps) => ps.includes(p)));
}

/**
 * The container `docker compose exec SERVICE` takes (compose's
 * getSpecifiedContainer with the default --index): a running one, the lowest
 * container number, a replica before a one-off `compose run` container.
 */
function execPick(cs: Service[]): Service {
  const running = cs.filter((c) => c.running);
  const num = (c: Service) => c.compose.number ?? Number.MAX_SAFE_INTEGER;
  return [...(running.length ? running : cs)].sort((a, b) => num(a) - num(b) || Number(a.compose.oneOff) - Number(b.compose.oneOff))[0]!;
}

const labels = (cs: Service[]) => [...new Set(cs.map((c) => serviceLabel(c.compose)))].sort().join(', ');

function ambiguous(names: string[], cs: Service[]): UsageError {
  const which = names.length === 1 ? `"${names[0]}" is a service` : `${names.map((n) => `"${n}"`).join(' and ')} are services`;
  return new UsageError(`${which} of several compose projects: ${labels(cs)}; choose with --project NAME, COMPOSE_PROJECT_NAME or PROJECT/SERVICE`);
}

function notInProject(name: string, cs: Service[], project: CurrentProject): UsageError {
  return new UsageError(`compose project "${project.name}" (from ${project.from}) has no service "${name}"; other projects do: ${labels(cs)}`);
}
