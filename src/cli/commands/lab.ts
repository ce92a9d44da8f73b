import { parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { validateName } from '../../netcore/validate.js';
import { FAULTS } from '../../lab/faults/index.js';
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

export const command: Command = {
  name: 'lab',
  summary: 'a sandbox with web and db, with a fault of your choice built in',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const [sub, ...rest] = args;
    if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return help(ctx);
    const { values, positionals } = parse(rest, { name: { type: 'string' }, fault: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) return help(ctx);
    const name = validateName('lab', values.name ?? DEFAULT_LAB);
    const stateDir = ctx.host.stateDir;
    const say = (s: string) => ctx.stdout.write(s + '\n');
    if (sub === 'faults') {
      const rows = FAULTS.map((f) => ({ id: f.id, check: f.check, description: f.description }));
      ctx.stdout.write(values.json ? JSON.stringify(rows, null, 2) + '\n' : table(['ID', 'CHECK', 'FAULT'], rows.map((r) => [r.id, r.check, r.description])));
      return 0;
    }
    requireCapabilities(`lab ${sub}`, ['NET_ADMIN', 'SYS_ADMIN']);
    switch (sub) {
      case 'up': {
        const lab = await labUp(stateDir, { name, fault: values.fault ?? null });
        say(`lab ${lab.name} is up: web and db on network app, db serving TCP ${lab.port}${values.fault ? `, fault ${values.fault} built in` : ''}`);
        say(`next: tsdiag --host-netns ${lab.name} doctor web db`);
        return 0;
      }
      case 'fault': {
        if (positionals.length !== 1) throw new UsageError('usage: tsdiag lab fault ID');
        const f = await faultLab(stateDir, name, positionals[0]!);
        say(`fault ${f.id} built in: ${f.description} (the doctor's ${f.check} should name it)`);
        return 0;
      }
      case 'heal': {
        const f = await healLab(stateDir, name);
        say(f ? `fault ${f.id} taken out` : 'no fault was built in');
        return 0;
      }
      case 'down':
        await labDown(stateDir, name);
        say(`lab ${name} removed`);
        return 0;
      default:
        throw new UsageError(`unknown command "lab ${sub}" (see tsdiag lab --help)`);
    }
  },
};

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}
