import { onePositional, parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
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

export const command: Command = {
  name: 'sandbox',
  summary: 'create, remove and list sandbox hosts',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const [sub, ...rest] = args;
    if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return help(ctx);
    const { values, positionals } = parse(rest, { json: { type: 'boolean' } });
    if (values.help) return help(ctx);
    const stateDir = ctx.host.stateDir;
    switch (sub) {
      case 'create': {
        const name = onePositional(positionals, 'sandbox name', 'tsdiag sandbox create');
        requireCapabilities('sandbox create', ['NET_ADMIN', 'SYS_ADMIN']);
        const sb = await createSandbox(name, stateDir);
        ctx.stdout.write(values.json ? JSON.stringify({ name, ...sb }) + '\n' : `${name}\n`);
        return 0;
      }
      case 'rm': {
        if (!positionals.length) throw new UsageError('sandbox rm needs at least one name');
        requireCapabilities('sandbox rm', ['NET_ADMIN', 'SYS_ADMIN']);
        for (const name of positionals) {
          await removeSandbox(name, stateDir);
          ctx.stdout.write(`${name}\n`);
        }
        return 0;
      }
      case 'ls': {
        const list = await listSandboxes(stateDir);
        if (values.json) ctx.stdout.write(JSON.stringify(list, null, 2) + '\n');
        else ctx.stdout.write(table(['NAME', 'PRESENT', 'NETWORKS', 'CONTAINERS', 'UPLINK'],
          list.map((s) => [s.name, s.exists ? 'yes' : 'no', String(s.networks), String(s.containers), s.uplink])));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "sandbox ${sub}" (see tsdiag sandbox --help)`);
    }
  },
};

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}
