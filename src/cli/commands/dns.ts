import fs from 'node:fs';
import net from 'node:net';
import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { reexecInHostNetns } from '../reexec.js';
import { subcommands } from '../subcommands.js';
import { OperationError, UsageError } from '../../netcore/errors.js';
import { hostStateDir } from '../../netcore/host.js';
import { hostPortText } from '../../netcore/ipv6.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { isAlive } from '../../netcore/kernel/processes.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { gatewayAddresses } from '../../dns/records.js';
import { startDnsService } from '../../dns/service.js';
import { streamLogger } from '../../dns/log.js';
import { fileTail } from '../../dns/log-follow.js';
import { claimPidFile, logFileOf, pidFileOf, releasePidFile, runningPid } from '../../dns/daemon.js';
import { DNS_PORT, formatUpstream, parseUpstream } from '../../dns/upstreams.js';

const USAGE = `Usage: tsdiag dns COMMAND

The embedded DNS server: names of containers on user-defined networks, as
Docker's resolver gives them, on port 53 of each network's gateway.

Commands:
  serve [--port N] [--listen ADDR[:PORT]]... [--upstream ADDR[:PORT]]... [--quiet]
                    run the server in the foreground (follows the state store;
                    upstreams default to the host's resolver file, max 3)
  status            is the server running (exit 0) or not (exit 1), and where
  stop              stop the server
  log [-f]          the query log (-f: follow it)

Files: dns.pid and dns.log in the host's state directory.
Log line: time transport client name type rcode answers microseconds.
`;


function noPositionals(positionals: string[], sub: string): void {
  if (positionals.length) throw new UsageError(`dns ${sub} takes no arguments (see tsdiag dns --help)`);
}

function listenAddressOf(text: string, port: number) {
  const withPort = text.startsWith('[') || (text.includes(':') && !net.isIPv6(text)) ? text : net.isIPv6(text) ? `[${text}]:${port}` : `${text}:${port}`;
  const u = parseUpstream(withPort);
  return { address: u.address, port: u.port };
}

async function serve(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string', short: 'p' }, listen: { type: 'string', multiple: true },
    upstream: { type: 'string', multiple: true }, quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return help(ctx);
  noPositionals(positionals, 'serve');
  const port = values.port === undefined ? DNS_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid --port "${values.port}"`);
  const listen = values.listen?.map((l) => listenAddressOf(l, port));
  const upstreams = values.upstream?.map(parseUpstream);

  requireCapabilities('dns serve', [...(port < 1024 ? ['NET_BIND_SERVICE' as const] : []), ...(ctx.host.netns ? ['SYS_ADMIN' as const] : [])]);
  const inner = await reexecInHostNetns(ctx, ['dns', 'serve', ...args]);
  if (inner !== null) return inner;

  fs.mkdirSync(hostStateDir(ctx.host), { recursive: true });
  const pidFile = pidFileOf(ctx.host);
  const claim = await claimPidFile(pidFile);
  if (!claim.claimed) {
    ctx.stderr.write(`tsdiag dns: already running (pid ${claim.owner})\n`);
    return 0;
  }
  const note = (line: string) => ctx.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    const service = await startDnsService(ctx.host, {
      port, listen, upstreams,
      log: values.quiet ? undefined : streamLogger(ctx.stdout),
      onError: note,
      onListen: (bound, pending) => {
        const fmt = (l: { address: string; port: number }[]) => l.map((a) => hostPortText(a.address, a.port)).join(' ') || '-';
        note(`listening on ${fmt(bound)}; pending ${fmt(pending)}`);
      },
    });
    note(`tsdiag dns serving (pid ${process.pid}); upstreams ${(upstreams ?? []).map(formatUpstream).join(' ') || 'from the host resolver file'}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await service.close();
    note('tsdiag dns stopped');
    return 0;
  } finally {
    await releasePidFile(pidFile);
  }
}

async function status(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help(ctx);
  noPositionals(positionals, 'status');
  const pid = await runningPid(pidFileOf(ctx.host));
  if (pid === null) {
    ctx.stdout.write('not running\n');
    return 1;
  }
  const gateways = gatewayAddresses(await readState(ctx.host));
  ctx.stdout.write(`running (pid ${pid}); gateways ${gateways.join(' ') || '-'}\n`);
  return 0;
}

async function stop(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help(ctx);
  noPositionals(positionals, 'stop');
  const pid = await runningPid(pidFileOf(ctx.host));
  if (pid === null) {
    ctx.stdout.write('not running\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(pidFileOf(ctx.host), { force: true });
  ctx.stdout.write(`stopped (pid ${pid})\n`);
  return 0;
}

async function log(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, { follow: { type: 'boolean', short: 'f' } });
  if (values.help) return help(ctx);
  noPositionals(positionals, 'log');
  const file = logFileOf(ctx.host);
  const tail = fileTail(file);
  const copyNew = () => {
    const { text } = tail.read();
    if (text) ctx.stdout.write(text);
    return text.length;
  };
  if (!values.follow) {
    if (!fs.existsSync(file)) throw new OperationError(`no DNS log yet (${file})`);
    while (copyNew() > 0);
    return 0;
  }
  copyNew();
  const timer = setInterval(copyNew, 200);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  return 0;
}

function help(ctx: CliContext): number {
  ctx.stdout.write(USAGE);
  return 0;
}

export const command: Command = {
  name: 'dns',
  summary: 'the embedded DNS server: serve, status, stop, log',
  usage: USAGE,
  run: subcommands('dns', USAGE, { serve, status, stop, log }),
};
