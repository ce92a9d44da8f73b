import fs from 'node:fs/promises';
import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { validateName, parseIntStrict } from '../../netcore/validate.js';
import { AgentPool, startAgentsEarly } from '../../diag/agents.js';
import type { Check } from '../../diag/check.js';
import { dockerInventory, parseBackend, pickInventory } from '../../diag/inventory/select.js';
import { loadTarget } from '../../diag/target.js';
import { trace } from '../../netcore/kernel/trace.js';

/** The checks, the run and the report: loaded while the probe agents start (their start is most of a run). */
const loadDoctor = async () => {
  const [checks, doctor, report] = await Promise.all([
    import('../../diag/checks/index.js'), import('../../diag/doctor.js'), import('../../diag/report.js'),
  ]);
  return { ...checks, ...doctor, ...report };
};

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
      ctx.stdout.write(withCheckList(USAGE, (await loadDoctor()).ALL_CHECKS));
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError('doctor needs two containers: tsdiag doctor FROM TO');
    const [fromName, toName] = positionals.map((p) => validateName('container', p)) as [string, string];
    const port = values.port !== undefined ? parseIntStrict('port', values.port, 1, 65535) : null;
    checkPattern(values.check);
    const backend = parseBackend(values.backend);
    requireCapabilities('doctor', ['NET_ADMIN', 'SYS_ADMIN']);
    // the checks compile while the engine answers (on a 2-core machine the wait for dockerd is free time)
    const doctorLoaded = loadDoctor();
    doctorLoaded.catch(() => undefined);
    const agents = new AgentPool();
    try {
      // Docker can place the two namespaces in one request each: their agents start while the backend is still being picked
      const early = backend === 'native' ? Promise.resolve() : startAgentsEarly(agents, dockerInventory(ctx.host, ctx.env), [fromName, toName]);
      const inventory = await pickInventory(backend, ctx.host, ctx.env, [fromName, toName]);
      trace('cli: backend picked');
      // the inventory is read while the checks load
      const target = loadTarget({ inventory, fromName, toName, port });
      target.catch(() => undefined);
      const [d] = await Promise.all([doctorLoaded, early]);
      trace('cli: doctor loaded');
      return await runWith(d, { values, fromName, toName, port, inventory, agents, target }, ctx);
    } finally {
      agents.close();
    }
  },
};

type Loaded = Awaited<ReturnType<typeof loadDoctor>>;
interface RunInput {
  values: { check?: string; swarm?: boolean; facts?: boolean; json?: boolean; junit?: string };
  fromName: string;
  toName: string;
  port: number | null;
  inventory: Awaited<ReturnType<typeof pickInventory>>;
  agents: AgentPool;
  target: ReturnType<typeof loadTarget>;
}

async function runWith(d: Loaded, { values, fromName, toName, port, inventory, agents, target }: RunInput, ctx: CliContext): Promise<number> {
  const checks = d.selectChecks(d.ALL_CHECKS, values.check);
  if (!checks.length) throw new UsageError(`--check ${values.check} matches no check`);
  const live = !values.json;
  const report = await d.runDoctor({
    inventory, checks, fromName, toName, port, swarm: values.swarm ?? false, keepFacts: values.facts ?? false, agents, target,
    onResult: live ? (r) => ctx.stderr.write(d.progressLine(r) + '\n') : undefined,
  });
  const exists = report.checks.find((c) => c.id === 'topology.exists');
  if (values.junit) await fs.writeFile(values.junit, d.renderJunit(report));
  ctx.stdout.write(values.json ? d.renderJson(report) : (live ? '\n' : '') + d.renderText(report));
  trace('cli: report written');
  if (exists?.status === 'fail' && /no container named/.test(exists.summary)) return 2;
  return report.counts.fail > 0 ? 1 : 0;
}

function checkPattern(pattern: string | undefined): void {
  try {
    if (pattern) new RegExp(pattern.replace(/^!/, ''));
  } catch (err) {
    throw new UsageError(`invalid --check pattern: ${(err as Error).message}`);
  }
}

function withCheckList(usage: string, checks: Check<any>[]): string {
  return usage.replace('Exit codes:', `Checks: ${checks.map((c) => c.id).join(', ')}\nExit codes:`);
}
