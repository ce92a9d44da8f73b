import { onePositional, parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { subcommands } from '../subcommands.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { createSandbox, listSandboxes, removeSandbox } from '../../netcore/bridge/sandbox.js';

const USAGE = `Usage: tsdiag sandbox create|rm|ls [NAME]

A sandbox is a network namespace that stands in for a whole Docker host, with
an "outside" namespace (NAME~out, 198.18.0.1) behind its uplink eth0
(198.18.0.2). Use it with --host-netns NAME or TSDIAG_HOST_NETNS=NAME.

Commands:
  create NAME      make the sandbox
  rm NAME...       remove sandboxes and everything in them
  ls [--json]      list sandboxes
`;

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return help(ctx);
  const name = onePositional(positionals, 'sandbox name', 'tsdiag sandbox create');
  requireCapabilities('sandbox create', ['NET_ADMIN', 'SYS_ADMIN']);
  const sb = await createSandbox(name, ctx.host.stateDir);
  ctx.stdout.write(values.json ? JSON.stringify({ name, ...sb }) + '\n' : `${name}\n`);
  return 0;
}

async function rm(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return help(ctx);
  if (!positionals.length) throw new UsageError('sandbox rm needs at least one name');
  requireCapabilities('sandbox rm', ['NET_ADMIN', 'SYS_ADMIN']);
  for (const name of positionals) {
    await removeSandbox(name, ctx.host.stateDir);
    ctx.stdout.write(`${name}\n`);
  }
  return 0;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return help(ctx);
  const list = await listSandboxes(ctx.host.stateDir);
  if (values.json) ctx.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else ctx.stdout.write(table(['NAME', 'PRESENT', 'NETWORKS', 'CONTAINERS', 'UPLINK'],
    list.map((s) => [s.name, s.exists ? 'yes' : 'no', String(s.networks), String(s.containers), s.uplink])));
  return 0;
}

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}

export const command: Command = {
  name: 'sandbox',
  summary: 'create, remove and list sandbox hosts',
  usage: USAGE,
  run: subcommands('sandbox', USAGE, { create, rm, ls }),
};
