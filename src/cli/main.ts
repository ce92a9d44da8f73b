#!/usr/bin/env node
import { configure, environmentHelp } from '../config.js';
import { exitCodeOf } from '../netcore/errors.js';
import { validateName } from '../netcore/validate.js';
import { trace } from '../netcore/kernel/trace.js';
import { MissingCapabilities, sudoCommand } from '../netcore/kernel/capabilities.js';
import type { CliContext, Command } from './command.js';
import { helpOrMissing, unknownCommand } from './subcommands.js';

/** Commands are loaded on use: a CLI call pays only for the modules it needs. */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

const fromList = (name: string) => async () => (await import('./commands/containers.js')).commands.find((c) => c.name === name)!;
const COMMANDS: CommandEntry[] = [
  { name: 'demo', summary: 'a tour on tsdiag\'s own sandboxed networks (no Docker needed)', load: async () => (await import('./commands/demo.js')).command },
  { name: 'sandbox', summary: 'create, remove and list sandbox hosts', load: async () => (await import('./commands/sandbox.js')).command },
  { name: 'network', summary: 'create, list, inspect and remove networks', load: async () => (await import('./commands/network.js')).command },
  { name: 'run', summary: 'create a container (namespace, endpoint) and run a command in it', load: fromList('run') },
  { name: 'exec', summary: 'run a command inside a container', load: fromList('exec') },
  { name: 'ps', summary: 'list containers', load: fromList('ps') },
  { name: 'inspect', summary: 'JSON of containers or networks', load: fromList('inspect') },
  { name: 'rm', summary: 'remove containers', load: fromList('rm') },
  { name: 'port', summary: "a container's published ports, as docker port prints them", load: fromList('port') },
  { name: 'lab', summary: 'a sandbox with web and db, with a fault of your choice built in', load: async () => (await import('./commands/lab.js')).command },
  { name: 'doctor', summary: 'find why one container cannot talk to another, and the fix', load: async () => (await import('./commands/doctor.js')).command },
  { name: 'perf', summary: 'how fast one container reaches another, and why it is slow', load: async () => (await import('./commands/perf.js')).command },
  { name: 'capture', summary: 'capture packets live or read pcap files, printed like tcpdump', load: async () => (await import('./commands/capture.js')).command },
  { name: 'dns', summary: 'the embedded DNS server: serve, status, stop, log', load: async () => (await import('./commands/dns.js')).command },
  { name: 'tui', summary: 'the interactive terminal UI: tree, doctor, perf, capture and DNS log', load: async () => (await import('./commands/tui.js')).command },
  { name: 'version', summary: 'versions: tsdiag, Node, the native addon, libpcap, reachable engines', load: async () => (await import('./commands/version.js')).command },
  { name: 'system', summary: 'reconcile kernel objects with the state store', load: async () => (await import('./commands/system.js')).command },
  { name: 'completion', summary: 'print the completion script for bash, zsh or fish', load: async () => (await import('./commands/completion.js')).completionCommand() },
  { name: 'man', summary: 'the manual page tsdiag(1), shown or printed as roff', load: async () => (await import('./commands/man.js')).manCommand(COMMANDS, usage) },
];
/** Not listed in --help: what the completion scripts call. */
const HIDDEN: CommandEntry[] = [
  { name: '__complete', summary: '', load: async () => (await import('./commands/completion.js')).completeCommand(COMMANDS) },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: tsdiag [--host-netns NS] COMMAND [ARGS...]

Troubleshooting for container networks.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`).join('\n')}

Global options:
  --host-netns NS   run against network namespace NS as the host (env TSDIAG_HOST_NETNS)
  --help            this text; every command has its own --help
  --version         tsdiag's version (tsdiag version: Node's, the addon's, libpcap's, engines)

Environment:
${environmentHelp()}
Exit codes: 0 done, 1 the operation failed, 2 bad input or environment.
`;
}

/** Takes --host-netns out of the arguments (anywhere before a lone `--`). */
function takeGlobal(argv: string[]): { hostNetns: string | null; rest: string[] } {
  const rest: string[] = [];
  let hostNetns: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--host-netns') {
      hostNetns = argv[++i] ?? '';
      validateName('host namespace', hostNetns);
    } else if (a.startsWith('--host-netns=')) {
      hostNetns = validateName('host namespace', a.slice('--host-netns='.length));
    } else rest.push(a);
  }
  return { hostNetns, rest };
}

export async function main(argv: string[], io: Pick<CliContext, 'stdout' | 'stderr'> = process, env = process.env): Promise<number> {
  try {
    const { hostNetns, rest } = takeGlobal(argv);
    const [name, ...args] = rest;
    const config = configure(env);
    const ctx: CliContext = { ...io, env, host: { netns: hostNetns ?? config.hostNetns, stateDir: config.stateDir } };
    if (!name && process.stdin.isTTY && (io.stdout as NodeJS.WriteStream).isTTY) {
      const tui = (await import('./commands/tui.js')).command;
      return await tui.run([], ctx);
    }
    const done = helpOrMissing(name, usage(), io);
    if (done !== null) return done;
    if (name === '--version') {
      io.stdout.write(`tsdiag ${(await import('../package-version.js')).tsdiagVersion()}\n`);
      return 0;
    }
    const entry = [...COMMANDS, ...HIDDEN].find((c) => c.name === name);
    if (!entry) throw unknownCommand('', name!);
    trace(`cli: main loaded`);
    const cmd = await entry.load();
    trace(`cli: command ${name} loaded`);
    return await cmd.run(args, ctx);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a file or directory of root's (the state dir, a resolver file) read or written without root
    const refused = (code === 'EACCES' || code === 'EPERM') && process.getuid?.() !== 0;
    io.stderr.write(`tsdiag: ${(err as Error).message}${refused ? ' (not root: run as root, or point TSDIAG_STATE_DIR at a directory you may write)' : ''}\n`);
    if (err instanceof MissingCapabilities || refused) io.stderr.write(`run instead: ${sudoCommand(argv)}\n`);
    return refused ? 2 : exitCodeOf(err);
  }
}

main(process.argv.slice(2)).then((code) => {
  trace('cli: done');
  process.exitCode = code;
});
