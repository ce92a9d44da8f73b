import type { InvContainer } from './inventory/types.js';
import { cli, type FixTarget } from './fixes.js';
import { publishSpec } from '../netcore/bridge/ports.js';

/**
 * The commands that make a native container again as it is, minus what a fix
 * leaves out (its `--dns`): settings fixed at creation can only change that
 * way, in Docker as in tsdiag. Networks after the first are joined with
 * `network connect`.
 */
export function recreateCommand(t: FixTarget, c: InvContainer): string {
  const [first, ...more] = c.endpoints.map((e) => e.network);
  const ports = c.published.map((p) => `-p ${publishSpec(p)}`);
  const run = ['run', '-d', '--name', c.name, ...(first ? ['--network', first] : []), ...ports, ...(c.command ? ['--', c.command] : [])].join(' ');
  return [cli(t, `rm -f ${c.name}`), cli(t, run), ...more.map((n) => cli(t, `network connect ${n} ${c.name}`))].join(' && ');
}
