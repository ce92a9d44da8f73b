import fs from 'node:fs/promises';
import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { parseIntStrict } from '../../netcore/validate.js';
import { PROJECT_HELP, containerArgument, projectFor } from '../compose-names.js';
import { parseBackend } from '../../diag/inventory/select.js';
import { runDoctor, type DoctorReport } from '../../diag/doctor.js';
import { progressLine, renderJson, renderJunit, renderText } from '../../diag/report.js';
import type { Check } from '../../diag/check.js';
import { trace } from '../../netcore/kernel/trace.js';

const USAGE = `Usage: tsdiag doctor [OPTIONS] FROM TO
       tsdiag doctor --from-bundle FILE [--json]

Finds why container FROM cannot talk to container TO: topology, DNS,
reachability, the listening service, MTU, firewall, kernel switches, port
conflicts, address overlaps, swarm ports. Each check says pass, warn, fail or
skip, with the evidence it saw and the exact command that fixes it.
FROM and TO are container names or ids, or compose service names (web, or
PROJECT/SERVICE): a service of several projects is looked up in the current
one (--project), else in the only project that has both, else it is an error
that lists them; of a service's replicas the one \`docker compose exec\` takes.

Options:
  --port N            the TCP port to test (default: the first port TO publishes, else listens on)
  --backend B         native (tsdiag's own), docker, podman ($CONTAINER_HOST), or auto (default: whichever knows the names)
  --check REGEX       only checks whose id matches (a leading ! excludes them)
${PROJECT_HELP}
  --swarm             run swarm.ports even when the engine is not in a swarm
  --json              the report as JSON
  --junit FILE        also write a JUnit XML report
  --bundle FILE       also write a support bundle (.tar.gz): the report, every check's facts,
                      the host's rulesets, links, addresses, routes and neighbours of the host
                      and both containers, their resolver files, the DNS log's tail, versions
  --from-bundle FILE  judge a bundle's recorded facts again, offline, and print the report
  --host-netns NS     the namespace that plays the host (a sandbox, a test engine's)

Exit codes: 0 no check failed, 1 a check failed, 2 bad input (unknown container, an ambiguous service, not root).
`;

export const command: Command = {
  name: 'doctor',
  summary: 'find why one container cannot talk to another, and the fix',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(args, {
      port: { type: 'string', short: 'p' }, backend: { type: 'string' }, check: { type: 'string' }, swarm: { type: 'boolean' },
      json: { type: 'boolean' }, junit: { type: 'string' }, facts: { type: 'boolean' },
      bundle: { type: 'string' }, 'from-bundle': { type: 'string' }, project: { type: 'string' },
    });
    if (values.help) {
      ctx.stdout.write(withCheckList(USAGE, (await import('../../diag/checks/index.js')).ALL_CHECKS));
      return 0;
    }
    if (values['from-bundle'] !== undefined) {
      if (positionals.length || values.bundle !== undefined) throw new UsageError('doctor --from-bundle FILE takes no containers and no --bundle');
      return fromBundle(values['from-bundle'], values.json ?? false, ctx);
    }
    if (positionals.length !== 2) throw new UsageError('doctor needs two containers: tsdiag doctor FROM TO');
    const [fromName, toName] = positionals.map(containerArgument) as [string, string];
    const project = projectFor(values.project);
    const port = values.port !== undefined ? parseIntStrict('port', values.port, 1, 65535) : null;
    checkPattern(values.check);
    const backend = parseBackend(values.backend);
    // Docker's API answers a member of the docker group: without root the checks that need no namespace still run
    if (backend === 'native' || backend === 'auto') requireCapabilities('doctor', ['NET_ADMIN', 'SYS_ADMIN']);
    const live = !values.json;
    const report = await runDoctor({
      backend, host: ctx.host, env: ctx.env, fromName, toName, port, project, select: values.check,
      swarm: values.swarm ?? false, keepFacts: values.facts === true || values.bundle !== undefined,
      onResult: live ? (r) => ctx.stderr.write(progressLine(r) + '\n') : undefined,
    });
    const exists = report.checks.find((c) => c.id === 'topology.exists');
    if (values.junit) await fs.writeFile(values.junit, renderJunit(report));
    if (values.bundle !== undefined) await writeBundleOf(values.bundle, report, ctx);
    const shown = values.bundle !== undefined && !values.facts ? (await import('../../diag/bundle/rejudge.js')).withoutFacts(report) : report;
    ctx.stdout.write(values.json ? renderJson(shown) : (live ? '\n' : '') + renderText(shown));
    trace('cli: report written');
    if (exists?.status === 'fail' && /no container named/.test(exists.summary)) return 2;
    return exitCodeOf(report);
  },
};

const exitCodeOf = (report: DoctorReport) => (report.counts.fail > 0 ? 1 : 0);

async function writeBundleOf(file: string, report: DoctorReport, ctx: CliContext): Promise<void> {
  const { writeBundle } = await import('../../diag/bundle/collect.js');
  await writeBundle(file, { report, host: ctx.host, dockerHost: ctx.env.DOCKER_HOST, podmanHost: ctx.env.CONTAINER_HOST });
  ctx.stderr.write(`bundle written to ${file}\n`);
}

/** The same report a live run printed, from the bundle's facts; needs no privilege and touches nothing. */
async function fromBundle(file: string, json: boolean, ctx: CliContext): Promise<number> {
  const [{ readBundle }, { rejudge, withoutFacts }, { ALL_CHECKS }] = await Promise.all([
    import('../../diag/bundle/read.js'), import('../../diag/bundle/rejudge.js'), import('../../diag/checks/index.js'),
  ]);
  const recorded = await readBundle(file);
  const report = withoutFacts(rejudge(recorded.report, recorded.facts, ALL_CHECKS));
  ctx.stdout.write(json ? renderJson(report) : renderText(report));
  return exitCodeOf(report);
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
