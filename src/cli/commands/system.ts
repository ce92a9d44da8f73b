import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { reconcile } from '../../netcore/bridge/reconcile.js';
import { subcommands } from '../subcommands.js';

const USAGE = `Usage: tsdiag system reconcile [--json]

Repairs the host after an interrupted command: removes kernel objects that carry
tsdiag's names but have no state (namespaces, veths, bridges), drops or rebuilds
state whose kernel objects are gone, and rewrites tsdiag's firewall chains.
`;

export const command: Command = {
  name: 'system',
  summary: 'reconcile kernel objects with the state store',
  usage: USAGE,
  run: subcommands('system', USAGE, { reconcile: reconcileCommand }),
};

async function reconcileCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) {
    ctx.stdout.write(USAGE);
    return 0;
  }
  requireCapabilities('system reconcile', ['NET_ADMIN', 'SYS_ADMIN']);
  const report = await reconcile(ctx.host);
  if (values.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    for (const line of report.orphansRemoved) ctx.stdout.write(`removed orphan ${line}\n`);
    for (const line of report.stateRepaired) ctx.stdout.write(`repaired ${line}\n`);
    if (!report.orphansRemoved.length && !report.stateRepaired.length) ctx.stdout.write('nothing to repair\n');
  }
  return 0;
}
