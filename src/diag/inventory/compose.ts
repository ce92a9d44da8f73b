import type { ComposeService } from './types.js';

/** The labels Compose (docker compose, podman-compose) puts on each container it makes. */
export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneOff: 'com.docker.compose.oneoff',
} as const;

/** A container's compose service, from its labels; undefined when Compose did not make it. */
export function composeServiceOf(labels: Readonly<Record<string, string>> | null | undefined): ComposeService | undefined {
  const project = labels?.[COMPOSE_LABELS.project];
  const service = labels?.[COMPOSE_LABELS.service];
  if (!project || !service) return undefined;
  const number = Number(labels[COMPOSE_LABELS.number]);
  return {
    project, service,
    number: Number.isInteger(number) && number > 0 ? number : null,
    // `docker compose run` containers; Compose writes True, podman-compose does not write it
    oneOff: labels[COMPOSE_LABELS.oneOff]?.toLowerCase() === 'true',
  };
}

/** How listings and the doctor's report name a compose container. */
export const serviceLabel = (s: Pick<ComposeService, 'project' | 'service'>): string => `${s.project}/${s.service}`;

/**
 * Compose's own normalisation of a project name (compose-go
 * loader.NormalizeProjectName): lower case, only [a-z0-9_-] kept, leading
 * `_` and `-` dropped. A directory's name is normalised so; a name given
 * with -p or COMPOSE_PROJECT_NAME must already be normal.
 */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

export const isProjectName = (name: string): boolean => name !== '' && normalizeProjectName(name) === name;
