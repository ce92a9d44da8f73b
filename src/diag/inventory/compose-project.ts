import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../netcore/errors.js';
import { isProjectName, normalizeProjectName } from './compose.js';

/** The compose project service names are looked up in, and what named it (for messages). */
export interface CurrentProject {
  name: string;
  /** --project, COMPOSE_PROJECT_NAME, or the compose file whose name: or directory gave it */
  from: string;
}

/** The files Compose looks for, in its order of preference (compose-go cli.DefaultFileNames). */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

export interface ProjectSources {
  /** --project NAME */
  flag?: string | null;
  /** COMPOSE_PROJECT_NAME, as config() read it */
  envName?: string | null;
  /** where a compose file is looked for: this directory, then its parents */
  cwd: string;
  exists?: (file: string) => boolean;
  readFile?: (file: string) => string;
}

/**
 * The current project as Compose decides it (compose-go's name precedence):
 * --project, else COMPOSE_PROJECT_NAME, else the compose file found in the
 * directory or the nearest parent that has one: its top-level `name:`, else
 * its directory's name, normalised. Null: no project here. A name given that
 * Compose would refuse is a UsageError.
 */
export function currentProject(o: ProjectSources): CurrentProject | null {
  if (o.flag) return { name: explicit('--project', o.flag), from: '--project' };
  if (o.envName) return { name: explicit('COMPOSE_PROJECT_NAME', o.envName), from: 'COMPOSE_PROJECT_NAME' };
  const file = findComposeFile(o.cwd, o.exists ?? existsSync);
  if (!file) return null;
  const named = nameInComposeFile(readText(file, o.readFile));
  const name = normalizeProjectName(named ?? path.basename(path.dirname(file)));
  return name ? { name, from: named ? `name: in ${file}` : file } : null;
}

function explicit(what: string, name: string): string {
  if (!isProjectName(name)) {
    throw new UsageError(`invalid ${what} "${name}": a compose project name has only a-z, 0-9, - and _, and starts with a letter or digit`);
  }
  return name;
}

/** The first of COMPOSE_FILE_NAMES in dir, else in the nearest parent that has one. */
export function findComposeFile(dir: string, exists: (file: string) => boolean = existsSync): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const found = COMPOSE_FILE_NAMES.map((n) => path.join(d, n)).find(exists);
    if (found) return found;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * The top-level `name:` of a compose file, read from its lines (a scalar at
 * column 0, quotes and a trailing comment taken off). A name with `${...}`
 * would need Compose's interpolation: null, as if unnamed.
 */
export function nameInComposeFile(text: string): string | null {
  const line = text.split(/\r?\n/).find((l) => /^name\s*:/.test(l));
  if (!line) return null;
  const value = line.replace(/^name\s*:\s*/, '').replace(/\s+#.*$/, '').trim().replace(/^(["'])(.*)\1$/, '$2');
  return value && !value.includes('$') ? value : null;
}

function readText(file: string, readFile?: (file: string) => string): string {
  try {
    return readFile ? readFile(file) : readFileSync(file, 'utf8');
  } catch {
    return ''; // unreadable: named by its directory, as if it had no name:
  }
}
