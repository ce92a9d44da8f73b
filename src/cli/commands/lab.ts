import { parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { validateName } from '../../netcore/validate.js';
import { FAULTS } from '../../lab/faults/index.js';
import { subcommands } from '../subcommands.js';
import { DEFAULT_LAB, faultLab, healLab, labDown, labUp } from '../../lab/lab.js';

const USAGE = `Usage: tsdiag lab COMMAND [--name LAB]

A lab is a sandbox host (default name ${DEFAULT_LAB}) with \`db\` serving TCP 5432
and \`web\` on the same network \`app\`, optionally with one fault of the spec
built in. Point the doctor at it: tsdiag --host-netns ${DEFAULT_LAB} doctor web db

Commands:
  up [--fault ID]    build the lab (ID: S1..S15 or a check id)
  fault ID           build a fault into a running lab
  heal               take the fault out again
  down               remove the lab and everything in it
  faults [--json]    list the faults the lab can build
`;

/** The options every lab command takes (as before, each accepts them all). */
function labArgs(args: string[]) {
  const { values, positionals } = parse(args, { name: { type: 'string' }, fault: { type: 'string' }, json: { type: 'boolean' } });
  return { values, positionals, name: validateName('lab', values.name ?? DEFAULT_LAB) };
}

const say = (ctx: CliContext, s: string) => ctx.stdout.write(s + '\n');

async function up(args: string[], ctx: CliContext): Promise<number> {
  const { values, name } = labArgs(args);
  if (values.help) return help(ctx);
  requireCapabilities('lab up', ['NET_ADMIN', 'SYS_ADMIN']);
  const lab = await labUp(ctx.host.stateDir, { name, fault: values.fault ?? null });
  say(ctx, `lab ${lab.name} is up: web and db on network app, db serving TCP ${lab.port}${values.fault ? `, fault ${values.fault} built in` : ''}`);
  say(ctx, `next: tsdiag --host-netns ${lab.name} doctor web db`);
  return 0;
}

async function fault(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals, name } = labArgs(args);
  if (values.help) return help(ctx);
  requireCapabilities('lab fault', ['NET_ADMIN', 'SYS_ADMIN']);
  if (positionals.length !== 1) throw new UsageError('usage: tsdiag lab fault ID');
  const f = await faultLab(ctx.host.stateDir, name, positionals[0]!);
  say(ctx, `fault ${f.id} built in: ${f.description} (the doctor's ${f.check} should name it)`);
  return 0;
}

async function heal(args: string[], ctx: CliContext): Promise<number> {
  const { values, name } = labArgs(args);
  if (values.help) return help(ctx);
  requireCapabilities('lab heal', ['NET_ADMIN', 'SYS_ADMIN']);
  const f = await healLab(ctx.host.stateDir, name);
  say(ctx, f ? `fault ${f.id} taken out` : 'no fault was built in');
  return 0;
}

async function down(args: string[], ctx: CliContext): Promise<number> {
  const { values, name } = labArgs(args);
  if (values.help) return help(ctx);
  requireCapabilities('lab down', ['NET_ADMIN', 'SYS_ADMIN']);
  await labDown(ctx.host.stateDir, name);
  say(ctx, `lab ${name} removed`);
  return 0;
}

async function faults(args: string[], ctx: CliContext): Promise<number> {
  const { values } = labArgs(args);
  if (values.help) return help(ctx);
  const rows = FAULTS.map((f) => ({ id: f.id, check: f.check, description: f.description }));
  ctx.stdout.write(values.json ? JSON.stringify(rows, null, 2) + '\n' : table(['ID', 'CHECK', 'FAULT'], rows.map((r) => [r.id, r.check, r.description])));
  return 0;
}

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}

export const command: Command = {
  name: 'lab',
  summary: 'a sandbox with web and db, with a fault of your choice built in',
  usage: USAGE,
  run: subcommands('lab', USAGE, { up, fault, heal, down, faults }),
};

