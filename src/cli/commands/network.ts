import { keyValues, onePositional, parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { connectNetwork, disconnectNetwork } from '../../netcore/bridge/containers.js';
import { createNetwork, networkByNameOrId, pruneNetworks, removeNetwork, splitByFamily } from '../../netcore/bridge/networks.js';
import { inspectNetworkJson, inventoryNetworkRow, listNetworkRows } from '../views.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { config } from '../../config.js';
import { ensureDnsServer } from '../../dns/daemon.js';
import { subcommands } from '../subcommands.js';

const USAGE = `Usage: tsdiag network COMMAND

Manage networks (Docker's names and flags).

Commands:
  create [--driver bridge|macvlan] [--subnet CIDR] [--gateway IP] [--ip-range CIDR]
         [--ipv6 [--subnet V6CIDR] [--gateway V6IP] [--ipv6-pool ULA/48]] [--ipv4=false]
         [--internal] [-o com.docker.network.driver.mtu=N]
         [-o com.docker.network.bridge.name=NAME] [-o parent=IFACE] [--label k=v] NAME
                                   --ipv6: dual-stack; --subnet/--gateway once per family; without
                                   an IPv6 subnet a /64 of the host's ULA /48 (moby's rule) or of
                                   --ipv6-pool (bridge and macvlan); --ipv4=false: IPv6-only. NAME bridge makes the
                                   default bridge before its first use (with --ipv6: docker0 dual-stack)
  ls [--json] [-q] [--backend native|docker|podman|auto]
                                   list networks: tsdiag's own and (auto, the default)
                                   a Docker engine's at $DOCKER_HOST when one answers
  inspect NAME...                  JSON shaped like docker network inspect
  rm NAME...                       remove networks (refused while containers use them)
  connect [--ip IP] [--ip6 IP6] [--alias A] NETWORK CONTAINER
  disconnect NETWORK CONTAINER
  prune                            remove user-defined networks without containers

Global: --host-netns NS (or TSDIAG_HOST_NETNS) runs against that namespace as the host.
`;

/** Docker's boolean flags also take `--flag=true|false`: rewritten to `--flag` / `--no-flag` for parseArgs. */
function boolEquals(args: string[], names: string[]): string[] {
  return args.map((a) => {
    const m = /^--([a-z0-9-]+)=(.*)$/.exec(a);
    if (!m || !names.includes(m[1]!)) return a;
    if (m[2] === 'true') return `--${m[1]}`;
    if (m[2] === 'false') return `--no-${m[1]}`;
    throw new UsageError(`invalid --${m[1]} value "${m[2]}": expected true or false`);
  });
}

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(boolEquals(args, ['ipv6', 'ipv4', 'internal']), {
    driver: { type: 'string', short: 'd' }, subnet: { type: 'string', multiple: true }, gateway: { type: 'string', multiple: true },
    'ip-range': { type: 'string' }, internal: { type: 'boolean' }, 'no-internal': { type: 'boolean' },
    ipv6: { type: 'boolean' }, 'no-ipv6': { type: 'boolean' }, ipv4: { type: 'boolean' }, 'no-ipv4': { type: 'boolean' },
    'ipv6-pool': { type: 'string' }, opt: { type: 'string', short: 'o', multiple: true },
    label: { type: 'string', multiple: true },
  });
  if (values.help) return help(ctx);
  const name = onePositional(positionals, 'network name', 'tsdiag network create');
  const subnets = splitByFamily('--subnet', values.subnet ?? []);
  const gateways = splitByFamily('--gateway', values.gateway ?? []);
  requireCapabilities('network create', ['NET_ADMIN', 'SYS_ADMIN']);
  const net = await createNetwork(ctx.host, {
    name, driver: values.driver, subnet: subnets.v4, gateway: gateways.v4,
    ipv6: !!values.ipv6 && !values['no-ipv6'], subnet6: subnets.v6, gateway6: gateways.v6, ipv6Pool: values['ipv6-pool'] ?? null,
    ipv4: !values['no-ipv4'],
    ipRange: values['ip-range'] ?? null, internal: !!values.internal && !values['no-internal'],
    options: keyValues('-o', values.opt), labels: keyValues('--label', values.label),
  }, config().steps);
  ctx.stdout.write(`${net.id}\n`);
  return 0;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, backend: { type: 'string' } });
  if (values.help) return help(ctx);
  // loaded on use: the other network commands need no Docker client
  const { listingRows, parseBackend } = await import('../../diag/inventory/select.js');
  const rows = await listingRows(parseBackend(values.backend), ctx.host, ctx.env, {
    native: async () => listNetworkRows(await readState(ctx.host)),
    engine: async (engine) => {
      const [networks, containers] = await Promise.all([engine.listNetworks(), engine.listContainers()]);
      return networks.map((n) => inventoryNetworkRow(n, containers));
    },
  });
  if (values.json) ctx.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else if (values.quiet) ctx.stdout.write(rows.map((r) => r.id.slice(0, 12) + '\n').join(''));
  else {
    ctx.stdout.write(table(['NETWORK ID', 'NAME', 'BACKEND', 'DRIVER', 'SUBNET', 'BRIDGE'],
      rows.map((r) => [r.id.slice(0, 12), r.name, r.backend, r.driver, r.subnet ?? '', r.device ?? ''])));
  }
  return 0;
}

async function inspect(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help(ctx);
  if (!positionals.length) throw new UsageError('network inspect needs at least one network name');
  const state = await readState(ctx.host);
  const out = positionals.map((ref) => {
    const net = networkByNameOrId(state, ref);
    if (!net) throw new UsageError(`network ${ref} not found`);
    return inspectNetworkJson(state, net);
  });
  ctx.stdout.write(JSON.stringify(out, null, 4) + '\n');
  return 0;
}

async function rm(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help(ctx);
  if (!positionals.length) throw new UsageError('network rm needs at least one network name');
  requireCapabilities('network rm', ['NET_ADMIN', 'SYS_ADMIN']);
  const state = await readState(ctx.host);
  for (const ref of positionals) if (!networkByNameOrId(state, ref)) throw new UsageError(`network ${ref} not found`);
  for (const ref of positionals) ctx.stdout.write(`${(await removeNetwork(ctx.host, ref)).name}\n`);
  return 0;
}

async function connect(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { ip: { type: 'string' }, ip6: { type: 'string' }, alias: { type: 'string', multiple: true } });
  if (values.help) return help(ctx);
  if (positionals.length !== 2) throw new UsageError('usage: tsdiag network connect [--ip IP] [--ip6 IP6] [--alias A] NETWORK CONTAINER');
  requireCapabilities('network connect', ['NET_ADMIN', 'SYS_ADMIN']);
  await connectNetwork(ctx.host, positionals[0]!, positionals[1]!, { ip: values.ip ?? null, ip6: values.ip6 ?? null, aliases: values.alias ?? [] });
  await ensureDnsServer(ctx.host);
  return 0;
}

async function disconnect(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help(ctx);
  if (positionals.length !== 2) throw new UsageError('usage: tsdiag network disconnect NETWORK CONTAINER');
  requireCapabilities('network disconnect', ['NET_ADMIN', 'SYS_ADMIN']);
  await disconnectNetwork(ctx.host, positionals[0]!, positionals[1]!);
  return 0;
}

async function prune(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) return help(ctx);
  requireCapabilities('network prune', ['NET_ADMIN', 'SYS_ADMIN']);
  const removed = await pruneNetworks(ctx.host);
  ctx.stdout.write(removed.length ? `Deleted Networks:\n${removed.join('\n')}\n` : '');
  return 0;
}

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}

export const command: Command = {
  name: 'network',
  summary: 'create, list, inspect and remove networks',
  usage: USAGE,
  run: subcommands('network', USAGE, { create, ls, list: ls, inspect, rm, remove: rm, connect, disconnect, prune }),
};
