import { config } from '../config.js';
import { currentProject, type CurrentProject } from '../diag/inventory/compose-project.js';
import { validateName } from '../netcore/validate.js';

/** The help lines of the option, the same for every command that takes service names. */
export const PROJECT_HELP = `  --project NAME      the compose project service names are looked up in (default: $COMPOSE_PROJECT_NAME,
                      else the compose file's here or in a parent directory, else the only project that has them)`;

/** The project service names are looked up in: --project, COMPOSE_PROJECT_NAME, the compose file of this directory or a parent. */
export function projectFor(flag: string | undefined): CurrentProject | null {
  return currentProject({ flag, envName: config().composeProjectName, cwd: process.cwd() });
}

/** A container as a command may be given it: NAME (a container's, or a compose service's), or PROJECT/SERVICE. */
export function containerArgument(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2) return validateName('container', text);
  validateName('compose project', parts[0]!);
  validateName('compose service', parts[1]!);
  return text;
}
