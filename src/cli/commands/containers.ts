import { parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import {
  commandInContainer, containerByNameOrId, createContainer, removeContainer, startDetached,
} from '../../netcore/bridge/containers.js';
import { networkByNameOrId } from '../../netcore/bridge/networks.js';
import { publishedBindings } from '../../netcore/bridge/ports.js';
import { hostPortText } from '../../netcore/ipv6.js';
import { config } from '../../config.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { containerRow, inspectContainerJson, inspectNetworkJson, inventoryContainerRow, type ContainerRow } from '../views.js';
import { serviceLabel } from '../../diag/inventory/compose.js';
import { ensureDnsServer } from '../../dns/daemon.js';

const RUN_USAGE = `Usage: tsdiag run [OPTIONS] [-- CMD ARGS...]

Create a container: its own network namespace and endpoint, then run CMD inside it.
Without CMD only the endpoint is made.

Options:
  -d, --detach              run CMD in the background and record its pid
  --name NAME               container name (required)
  --network NET             bridge (default), host, none, or a user-defined network
  --ip IP                   fixed IPv4 address on a user-defined network
  --ip6 IP6                 fixed IPv6 address on a user-defined --ipv6 network
  --network-alias A         network-scoped alias (repeatable)
  -p, --publish [HOSTIP:]HOSTPORT:PORT[/udp]   publish a port (repeatable); HOSTIP an IPv4 address or
                            [IPv6] in brackets: 8080:80 both families, 0.0.0.0:8080:80 IPv4 only, [::]:8080:80 IPv6 only
  --dns IP                  upstream DNS server for this container (repeatable)
`;

async function runCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {
    detach: { type: 'boolean', short: 'd' }, name: { type: 'string' }, network: { type: 'string', short: 'n' },
    ip: { type: 'string' }, ip6: { type: 'string' }, 'network-alias': { type: 'string', multiple: true }, publish: { type: 'string', short: 'p', multiple: true },
    dns: { type: 'string', multiple: true },
  });
  if (values.help) return write(ctx, RUN_USAGE);
  if (!values.name) throw new UsageError('tsdiag run needs --name NAME');
  requireCapabilities('run', ['NET_ADMIN', 'SYS_ADMIN']);
  const c = await createContainer(ctx.host, {
    name: values.name, network: values.network ?? null, ip: values.ip ?? null, ip6: values.ip6 ?? null, aliases: values['network-alias'] ?? [],
    publish: values.publish ?? [], dns: values.dns ?? [], cmd: positionals,
  }, config().steps);
  await ensureDnsServer(ctx.host);
  if (!positionals.length) {
    ctx.stdout.write(`${c.id}\n`);
    return 0;
  }
  if (values.detach) {
    await startDetached(ctx.host, c.name, positionals);
    ctx.stdout.write(`${c.id}\n`);
    return 0;
  }
  return runAttached(...commandInContainer(c, positionals));
}

/** Runs a command with the terminal attached; execa is loaded only here (it is slow to import). */
async function runAttached(file: string, argv: string[]): Promise<number> {
  const { execa } = await import('execa');
  const res = await execa(file, argv, { stdio: 'inherit', reject: false });
  return res.exitCode ?? 1;
}

const EXEC_USAGE = `Usage: tsdiag exec CONTAINER -- CMD ARGS...

Run a command inside a container's network namespace (with its resolver file).
`;

async function execCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return write(ctx, EXEC_USAGE);
  const [ref, ...cmd] = positionals;
  if (!ref || !cmd.length) throw new UsageError('usage: tsdiag exec CONTAINER -- CMD ARGS...');
  const c = containerByNameOrId(await readState(ctx.host), ref);
  if (!c) throw new UsageError(`No such container: ${ref}`);
  requireCapabilities('exec', ['SYS_ADMIN']);
  return runAttached(...commandInContainer(c, cmd));
}

const PS_USAGE = `Usage: tsdiag ps [--json] [-q] [--backend native|docker|podman|auto]

List containers with their networks, addresses, published ports and namespaces:
tsdiag's own and, with --backend auto (the default), a Docker engine's beside
them when one answers at $DOCKER_HOST, and Podman's when it answers at
$CONTAINER_HOST (else /run/podman/podman.sock); the BACKEND column says whose.
Containers Compose made show their PROJECT/SERVICE (the SERVICE column; in
--json, compose: project, service and container number).
`;

async function psCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, all: { type: 'boolean', short: 'a' }, backend: { type: 'string' },
  });
  if (values.help) return write(ctx, PS_USAGE);
  // loaded on use: run and exec need no Docker client
  const { listingRows, parseBackend } = await import('../../diag/inventory/select.js');
  const rows = await listingRows(parseBackend(values.backend), ctx.host, ctx.env, {
    native: async () => Object.values((await readState(ctx.host)).containers).map(containerRow),
    engine: async (engine) => (await engine.listContainers()).map(inventoryContainerRow),
  });
  if (values.json) return write(ctx, JSON.stringify(rows, null, 2) + '\n');
  if (values.quiet) return write(ctx, rows.map((r) => r.id.slice(0, 12) + '\n').join(''));
  // a SERVICE column (project/service) only when Compose made some of them
  const services = rows.some((r) => r.compose);
  const service = (r: ContainerRow) => (services ? [r.compose ? serviceLabel(r.compose) : ''] : []);
  return write(ctx, table(['CONTAINER ID', 'NAME', ...(services ? ['SERVICE'] : []), 'BACKEND', 'STATUS', 'NETWORKS', 'IP ADDRESS', 'PORTS', 'COMMAND'],
    rows.map((r) => [r.id.slice(0, 12), r.name, ...service(r), r.backend, r.status, r.networks.join(','), r.addresses.join(','), r.ports.join(', '), r.command])));
}

const INSPECT_USAGE = `Usage: tsdiag inspect NAME...

Low-level JSON of containers or networks, shaped like docker inspect.
`;

async function inspectCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return write(ctx, INSPECT_USAGE);
  if (!positionals.length) throw new UsageError('inspect needs at least one name');
  const state = await readState(ctx.host);
  const out = positionals.map((ref) => {
    const c = containerByNameOrId(state, ref);
    if (c) return inspectContainerJson(state, c);
    const n = networkByNameOrId(state, ref);
    if (n) return inspectNetworkJson(state, n);
    throw new UsageError(`No such object: ${ref}`);
  });
  return write(ctx, JSON.stringify(out, null, 4) + '\n');
}

const PORT_USAGE = `Usage: tsdiag port [--json] CONTAINER [PRIVATE_PORT[/PROTO]]

The container's published ports as docker port prints them, one binding per
family: a bare -p 8080:80 as 80/tcp -> 0.0.0.0:8080 and 80/tcp -> [::]:8080
(the second where the container has IPv6). With PRIVATE_PORT only its host
addresses.
`;

async function portCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return write(ctx, PORT_USAGE);
  const [ref, privatePort, ...rest] = positionals;
  if (!ref || rest.length) throw new UsageError('usage: tsdiag port CONTAINER [PRIVATE_PORT[/PROTO]]');
  const want = privatePort === undefined ? null : /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(privatePort);
  if (want === null && privatePort !== undefined) throw new UsageError(`invalid port "${privatePort}": expected PORT[/tcp|/udp]`);
  const c = containerByNameOrId(await readState(ctx.host), ref);
  if (!c) throw new UsageError(`No such container: ${ref}`);
  const bindings = publishedBindings(c).filter((b) => !want || (b.containerPort === Number(want[1]) && b.proto === (want[2] ?? 'tcp')));
  if (want && !bindings.length) throw new UsageError(`No public port '${want[1]}/${want[2] ?? 'tcp'}' published for ${c.name}`);
  const rows = bindings.map((b) => ({ port: `${b.containerPort}/${b.proto}`, hostIp: b.bindIp, hostPort: b.hostPort }));
  if (values.json) return write(ctx, JSON.stringify(rows, null, 2) + '\n');
  return write(ctx, rows.map((r) => `${want ? '' : `${r.port} -> `}${hostPortText(r.hostIp, r.hostPort)}\n`).join(''));
}

const RM_USAGE = `Usage: tsdiag rm [-f] CONTAINER...

Remove containers: their processes (with -f), namespace, veth and rules.
`;

async function rmCmd(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { force: { type: 'boolean', short: 'f' } });
  if (values.help) return write(ctx, RM_USAGE);
  if (!positionals.length) throw new UsageError('rm needs at least one container');
  requireCapabilities('rm', ['NET_ADMIN', 'SYS_ADMIN']);
  const state = await readState(ctx.host);
  for (const ref of positionals) if (!containerByNameOrId(state, ref)) throw new UsageError(`No such container: ${ref}`);
  for (const ref of positionals) ctx.stdout.write(`${(await removeContainer(ctx.host, ref, { force: values.force ?? false })).name}\n`);
  return 0;
}

function write(ctx: CliContext, text: string): number {
  ctx.stdout.write(text);
  return 0;
}

const cmd = (name: string, summary: string, usage: string, run: Command['run']): Command => ({ name, summary, usage, run });

export const commands: Command[] = [
  cmd('run', 'create a container (namespace, endpoint) and run a command in it', RUN_USAGE, runCmd),
  cmd('exec', 'run a command inside a container', EXEC_USAGE, execCmd),
  cmd('ps', 'list containers', PS_USAGE, psCmd),
  cmd('inspect', 'JSON of containers or networks', INSPECT_USAGE, inspectCmd),
  cmd('rm', 'remove containers', RM_USAGE, rmCmd),
  cmd('port', "a container's published ports, as docker port prints them", PORT_USAGE, portCmd),
];
