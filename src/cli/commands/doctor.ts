import fs from 'node:fs/promises';
import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/capabilities.js';
import { validateName, parseIntStrict } from '../../netcore/validate.js';
import { ALL_CHECKS } from '../../diag/checks/index.js';
import { runDoctor, selectChecks } from '../../diag/doctor.js';
import { parseBackend, pickInventory } from '../../diag/inventory/select.js';
import { progressLine, renderJson, renderJunit, renderText } from '../../diag/report.js';

const USAGE = `Usage: tsdiag doctor [OPTIONS] FROM TO

Finds why container FROM cannot talk to container TO: topology, DNS,
reachability, the listening service, MTU, firewall, kernel switches, port
conflicts, address overlaps, swarm ports. Each check says pass, warn, fail or
skip, with the evidence it saw and the exact command that fixes it.

Options:
  --port N            the TCP port to test (default: the first port TO publishes, else listens on)
  --backend B         native (tsdiag's own), docker, or auto (default: whichever knows the names)
  --check REGEX       only checks whose id matches (a leading ! excludes them)
  --swarm             run swarm.ports even when the engine is not in a swarm
  --json              the report as JSON
  --junit FILE        also write a JUnit XML report
  --host-netns NS     the namespace that plays the host (a sandbox, a test engine's)

Checks: ${ALL_CHECKS.map((c) => c.id).join(', ')}
Exit codes: 0 no check failed, 1 a check failed, 2 bad input (unknown container, not root).
`;

export const command: Command = {
  name: 'doctor',
  summary: 'find why one container cannot talk to another, and the fix',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(args, {
      port: { type: 'string', short: 'p' }, backend: { type: 'string' }, check: { type: 'string' }, swarm: { type: 'boolean' },
      json: { type: 'boolean' }, junit: { type: 'string' }, facts: { type: 'boolean' },
    });
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError('doctor needs two containers: tsdiag doctor FROM TO');
    const [fromName, toName] = positionals.map((p) => validateName('container', p)) as [string, string];
    const port = values.port !== undefined ? parseIntStrict('port', values.port, 1, 65535) : null;
    let checks;
    try {
      checks = selectChecks(ALL_CHECKS, values.check);
    } catch (err) {
      throw new UsageError(`invalid --check pattern: ${(err as Error).message}`);
    }
    if (!checks.length) throw new UsageError(`--check ${values.check} matches no check`);
    requireCapabilities('doctor', ['NET_ADMIN', 'SYS_ADMIN']);
    const inventory = await pickInventory(parseBackend(values.backend), ctx.host, ctx.env, [fromName, toName]);
    const live = !values.json;
    const report = await runDoctor({
      inventory, checks, fromName, toName, port, swarm: values.swarm ?? false, keepFacts: values.facts ?? false,
      onResult: live ? (r) => ctx.stderr.write(progressLine(r) + '\n') : undefined,
    });
    const exists = report.checks.find((c) => c.id === 'topology.exists');
    if (values.junit) await fs.writeFile(values.junit, renderJunit(report));
    ctx.stdout.write(values.json ? renderJson(report) : (live ? '\n' : '') + renderText(report));
    if (exists?.status === 'fail' && /no container named/.test(exists.summary)) return 2;
    return report.counts.fail > 0 ? 1 : 0;
  },
};
