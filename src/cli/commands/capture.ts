import { UsageError } from '../../netcore/errors.js';
import { missingCapabilities, sudoCommand } from '../../netcore/kernel/capabilities.js';
import type { HostRef } from '../../netcore/host.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { linkTypeText } from '../../capture/link-types.js';
import { LiveCapture } from '../../capture/live/live.js';
import { runLiveCapture, type CaptureInterface } from '../../capture/live/live-run.js';
import { DEFAULT_SNAPLEN } from '../../capture/file/pcap-file.js';
import { openCaptureFile, checkWholeFile } from '../../capture/file/capture-file.js';
import { LinePrinter, type PacketDump, type PrintOptions } from '../../capture/print.js';
import { STDOUT_NAME } from '../../capture/file/file-sink.js';
import { STDIN_NAME } from '../../capture/file/chunked-file.js';
import { copyCaptureFile } from '../../capture/file/copy-file.js';
import { postRotateCommand } from '../../capture/live/post-rotate.js';
import type { RotationOptions } from '../../capture/file/rotating-writer.js';
import { printPcapFile } from '../../capture/file/read-file.js';
import { TextOut } from '../../capture/text-out.js';
import { TIMESTAMP_FLAGS, type TimestampStyle } from '../../capture/timestamp.js';
import { DIRECTION_INTERFACE, filterWithDirection, parseDirection, type Direction } from '../../capture/live/direction.js';
import type { CliContext, Command } from '../command.js';
import { engineInventories, parseBackend, pickInventory, type BackendChoice } from '../../diag/inventory/select.js';
import type { InvContainer, InventoryProvider } from '../../diag/inventory/types.js';
import type { CurrentProject } from '../../diag/inventory/compose-project.js';
import { namedBy } from '../../diag/inventory/names.js';
import { resolveServiceNames } from '../../diag/inventory/service-names.js';
import { projectFor } from '../compose-names.js';

const USAGE = `Usage: tsdiag capture [options] [IFACE] [FILTER...]

Live capture and pcap files, printed the way tcpdump -n prints them.

Options:
  -i IFACE          capture on this interface (or give it as the first argument)
  --container NAME  capture on the host end of a container's veth (every endpoint)
  --backend B       whose container: native (tsdiag's), docker ($DOCKER_HOST),
                    podman ($CONTAINER_HOST), or auto (default: whichever knows the name)
  --project NAME    the compose project a service name given to --container is looked up in
                    (default: $COMPOSE_PROJECT_NAME, else the compose file's here, else the only one)
  -c N              stop after N packets
  -w FILE           write packets to a pcap file (snap length 262144) instead of printing
                    (-w - : pcap on standard output, for | tcpdump -r - or wireshark -k -i -)
  --pcapng          with -w: write pcapng, one interface block per interface (web:eth0)
  -r FILE           print a saved pcap or pcapng file (-r - : from standard input);
                    with -w: copy its records (those FILTER matches) into a pcap file
  -C SIZE           with -w: a new file once one passes SIZE million bytes (FILE, FILE1, FILE2...)
  -G SECONDS        with -w: a new file every SECONDS; FILE may hold strftime fields (dump-%H%M%S.pcap)
  -W COUNT          with -C: a ring of COUNT files (FILE0..); with -G alone: stop after COUNT files
  -z PROGRAM        run PROGRAM FILE on each file closed at a rotation (e.g. -z gzip)
  -n                accepted for tcpdump habits (addresses are never resolved)
  -e                print the link-level header
  -v                verbose: IP header fields and options, checksums, ND options, group records
  -vv | -vvv        more: UDP-over-IPv4 checksums, TCP seq on every segment, DNS and
                    DHCP details, what tcpdump -vv / -vvv print for the decoders tsdiag has
  -t | -tt | -ttt | -tttt | -ttttt
                    no time, epoch, since previous packet, with date, since first packet
  -s SNAPLEN        bytes to capture of each packet (default 262144)
  -x | -xx          each packet in hex after its line (-xx with the link header)
  -X | -XX          in hex and ASCII (-XX with the link header)
  -A | -AA          in ASCII (-AA with the link header)
  -q                quiet: shorter protocol lines (tcp 18, UDP, length 12)
  -S                absolute TCP sequence numbers
  -#                the packet's number in front of its line
  -l | -U           line / packet buffered: each packet written out at once (for pipes)
  -N                accepted for tcpdump habits (no domain names to shorten)
  -Q in|out|inout   with -i any: only packets received (in) or sent (out); ignored with
                    -r, as tcpdump does (a file keeps no direction)
  -K                with -v: TCP, UDP and IP header checksums not verified
  --count           with -r: print only the number of packets
  --names           container names next to their addresses: 172.18.0.3(db)
  --help            this text
FILTER is a BPF expression in tcpdump's syntax, compiled by libpcap.
On exit prints tcpdump's counters on stderr. Ctrl-C or SIGTERM ends a capture
with every record whole. Exit codes: 0 done, 1 capture failed, 2 bad input.
`;

export interface CaptureArgs {
  iface: string | null;
  container: string | null;
  count: number | null;
  writeFile: string | null;
  readFile: string | null;
  linkHeader: boolean;
  /** how many times -v was given (tcpdump's ndo_vflag) */
  verbose: number;
  timestamps: TimestampStyle;
  snaplen: number;
  names: boolean;
  pcapng: boolean;
  help: boolean;
  filter: string;
  /** whose container --container names */
  backend: BackendChoice;
  /** --project: the compose project a service name of --container is looked up in */
  project: string | null;
  output: OutputArgs;
  /** -C in bytes */
  rotateSize: number | null;
  /** -G */
  rotateSeconds: number | null;
  /** -W */
  rotateFiles: number | null;
  /** -z */
  postRotate: string | null;
  /** -Q */
  direction: Direction;
}

/** the options that change what is printed for each packet and how it is written */
export interface OutputArgs {
  /** how many times -x, -X and -A were given (tcpdump: -X wins over -x, -x over -A; twice: with the link header) */
  hex: number;
  hexAscii: number;
  ascii: number;
  quiet: boolean;
  absoluteSeq: boolean;
  packetNumbers: boolean;
  noChecksums: boolean;
  /** -l or -U: each packet goes to stdout at once */
  flushEachPacket: boolean;
  /** --count: only the number of packets */
  countOnly: boolean;
}

const OUTPUT_LETTERS: Record<string, (o: OutputArgs) => void> = {
  x: (o) => o.hex++,
  X: (o) => o.hexAscii++,
  A: (o) => o.ascii++,
  q: (o) => (o.quiet = true),
  S: (o) => (o.absoluteSeq = true),
  '#': (o) => (o.packetNumbers = true),
  K: (o) => (o.noChecksums = true),
  l: (o) => (o.flushEachPacket = true),
  U: (o) => (o.flushEachPacket = true),
  // -N: tsdiag prints no names, so there is no domain to strip
  N: () => undefined,
};

/** one output option (-x, -XX, -q, --count, ...); false when `arg` is not one */
function outputOption(o: OutputArgs, arg: string): boolean {
  if (arg === '--count') {
    o.countOnly = true;
    return true;
  }
  if (!/^-[xXAqS#KlUN]+$/.test(arg)) return false;
  for (const letter of arg.slice(1)) OUTPUT_LETTERS[letter]!(o);
  return true;
}

/** the printer's options for the output options (-x, -X, -A, -q, -S, -#, -K) */
export function printOutputOptions(o: OutputArgs): Pick<PrintOptions, 'dump' | 'quiet' | 'absoluteSeq' | 'packetNumbers' | 'noChecksums'> {
  let dump: PacketDump | null = null;
  if (o.hexAscii) dump = { style: 'hexAscii', linkHeader: o.hexAscii > 1 };
  else if (o.hex) dump = { style: 'hex', linkHeader: o.hex > 1 };
  else if (o.ascii) dump = { style: 'ascii', linkHeader: o.ascii > 1 };
  return { dump, quiet: o.quiet, absoluteSeq: o.absoluteSeq, packetNumbers: o.packetNumbers, noChecksums: o.noChecksums };
}

const FILE_OPTIONS = new Set(['-C', '-G', '-W', '-z']);
const VALUE_OPTIONS = new Set(['-i', '-c', '-w', '-r', '-s', '-Q', '--container', '--backend', '--project', ...FILE_OPTIONS]);

function positiveInt(flag: string, value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0) throw new UsageError(`invalid ${flag} "${value}": expected a positive number`);
  return Number(value);
}

/** tcpdump-style arguments: options first (also -ni eth0 style clusters of -n/-e), then [IFACE] and the filter words. */
export function parseCaptureArgs(args: string[]): CaptureArgs {
  const a: CaptureArgs = {
    iface: null, container: null, count: null, writeFile: null, readFile: null, linkHeader: false, verbose: 0,
    timestamps: 'time', snaplen: DEFAULT_SNAPLEN, names: false, pcapng: false, help: false, filter: '', backend: 'auto', project: null,
    output: { hex: 0, hexAscii: 0, ascii: 0, quiet: false, absoluteSeq: false, packetNumbers: false, noChecksums: false, flushEachPacket: false, countOnly: false },
    rotateSize: null, rotateSeconds: null, rotateFiles: null, postRotate: null, direction: 'inout',
  };
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    let inlineValue: string | null = null;
    if (eq > 0) {
      inlineValue = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    // -ni eth0, -nne, -nv, -nnXX: leading flag letters, maybe ending in a value option
    const cluster = /^-([nevxXAqS#KlUN]+)([icwrsCGWzQ])?$/.exec(arg);
    if (cluster && (cluster[1]!.length > 1 || cluster[2])) {
      if (cluster[1]!.includes('e')) a.linkHeader = true;
      const output = cluster[1]!.replace(/[nev]/g, '');
      if (output) outputOption(a.output, `-${output}`);
      a.verbose += cluster[1]!.split('v').length - 1;
      if (!cluster[2]) continue;
      arg = `-${cluster[2]}`;
    }
    const value = () => {
      if (inlineValue !== null) return inlineValue;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`option ${arg} needs a value (see tsdiag capture --help)`);
      return v;
    };
    if (outputOption(a.output, arg)) {
      if (inlineValue !== null) throw new UsageError(`option ${arg} takes no value`);
      continue;
    }
    if (arg in TIMESTAMP_FLAGS) {
      a.timestamps = TIMESTAMP_FLAGS[arg]!;
      continue;
    }
    switch (arg) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '-n':
      case '-nn':
        break;
      case '-v':
      case '-vv':
      case '-vvv':
        a.verbose += arg.length - 1;
        break;
      case '-e':
        a.linkHeader = true;
        break;
      case '--names':
        a.names = true;
        break;
      case '--pcapng':
        a.pcapng = true;
        break;
      case '-i':
        a.iface = value();
        break;
      case '--container':
        a.container = value();
        break;
      case '--backend':
        a.backend = parseBackend(value());
        break;
      case '--project':
        a.project = value();
        break;
      case '-c':
        a.count = positiveInt('-c', value());
        break;
      case '-Q': {
        const v = value();
        const direction = parseDirection(v);
        if (!direction) throw new UsageError(`unknown capture direction "${v}": expected in, out or inout`);
        a.direction = direction;
        break;
      }
      case '-w':
        a.writeFile = value();
        break;
      case '-r':
        a.readFile = value();
        break;
      case '-s': {
        const v = value();
        if (!/^[0-9]+$/.test(v)) throw new UsageError(`invalid -s "${v}": expected a number`);
        a.snaplen = Number(v) === 0 ? DEFAULT_SNAPLEN : Math.min(Number(v), DEFAULT_SNAPLEN);
        break;
      }
      default:
        if (!FILE_OPTIONS.has(arg)) throw new UsageError(`unknown option ${arg} (see tsdiag capture --help)`);
        parseFileOption(a, arg, value());
    }
    if (!VALUE_OPTIONS.has(arg) && inlineValue !== null) throw new UsageError(`option ${arg} takes no value`);
  }
  if (!a.iface && !a.container && !a.readFile && positionals.length > 0) a.iface = positionals.shift()!;
  if (a.iface === '') throw new UsageError('empty interface name: give one (ip link lists them)');
  a.filter = positionals.join(' ');
  if (a.help) return a;
  const sources = [a.iface, a.container, a.readFile].filter((s) => s !== null).length;
  if (sources === 0) throw new UsageError('nothing to capture: give an interface (-i IFACE), --container NAME or -r FILE');
  if (sources > 1) throw new UsageError('give only one of -i IFACE, --container NAME and -r FILE');
  if (a.pcapng && !a.writeFile) throw new UsageError('--pcapng needs -w FILE');
  if (a.direction !== 'inout' && !a.readFile && a.iface !== DIRECTION_INTERFACE) {
    throw new UsageError(`-Q needs -i any: without pcap_setdirection the direction is filtered from the cooked header (use -i any -Q ${a.direction} and a filter)`);
  }
  if (a.output.countOnly && !a.readFile) throw new UsageError('--count needs -r FILE (a live capture prints its counters on exit)');
  checkFileOptions(a);
  return a;
}

/** -C, -G, -W, -z with tcpdump's words for a bad value */
function parseFileOption(a: CaptureArgs, flag: string, v: string): void {
  const whole = (what: string) => {
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new UsageError(`invalid ${what} ${v}`);
    return Number(v);
  };
  if (flag === '-C') {
    const millions = whole('file size');
    if (millions > Number.MAX_SAFE_INTEGER / 1e6) throw new UsageError(`file size ${v} is too large`);
    a.rotateSize = millions * 1e6;
  } else if (flag === '-G') a.rotateSeconds = whole('number of seconds');
  else if (flag === '-W') a.rotateFiles = whole('number of output files');
  else {
    if (!v) throw new UsageError('-z needs a program name');
    a.postRotate = v;
  }
}

function checkFileOptions(a: CaptureArgs): void {
  const rotates = a.rotateSize !== null || a.rotateSeconds !== null;
  if (a.rotateSize !== null && !a.writeFile) throw new UsageError('-C needs -w FILE');
  if (a.rotateSeconds !== null && !a.writeFile) throw new UsageError('-G needs -w FILE');
  if (a.rotateFiles !== null && !rotates) throw new UsageError('-W needs -C SIZE or -G SECONDS');
  if (a.postRotate !== null && !rotates) throw new UsageError('-z needs -C SIZE or -G SECONDS');
  if (rotates && a.writeFile === STDOUT_NAME) throw new UsageError('-C and -G cannot rotate standard output (-w -)');
  if (a.readFile && a.writeFile && a.pcapng) throw new UsageError('--pcapng is for live captures: -r with -w writes pcap, as tcpdump does');
}

/**
 * Where containers are: the host ends of their veths and the addresses to
 * name. tsdiag's own state store by default; the Docker backend plugs in here.
 */
export interface CaptureTargets {
  containerInterfaces(name: string): Promise<CaptureInterface[]>;
  addressNames(): Promise<Map<string, string>>;
}

export function nativeTargets(host: HostRef): CaptureTargets {
  return {
    async containerInterfaces(name) {
      const c = (await readState(host)).containers[name];
      if (!c) throw new UsageError(`no such container: ${name}`);
      const ifs = c.endpoints.filter((e) => e.hostIf).map((e) => ({ device: e.hostIf!, label: `${name}:${e.ifname}` }));
      if (ifs.length === 0) throw new UsageError(`container ${name} has no veth on the host (network mode ${c.networkMode})`);
      return ifs;
    },
    async addressNames() {
      const names = new Map<string, string>();
      for (const c of Object.values((await readState(host)).containers)) {
        for (const e of c.endpoints) {
          names.set(e.ipv4, c.name);
          if (e.ipv6) names.set(e.ipv6, c.name);
        }
      }
      return names;
    },
  };
}

/** The container a name stands for: its own name or id, or a compose service's (resolveServiceNames). */
function findContainer(containers: InvContainer[], name: string, project: CurrentProject | null): InvContainer | undefined {
  const [resolved] = resolveServiceNames(containers, [name], project);
  return containers.find((c) => namedBy(c, resolved!.container));
}

/** Containers of another backend (Docker, Podman): the host ends of their veths as its inventory found them. */
export function inventoryTargets(inventory: InventoryProvider, project: () => CurrentProject | null = () => null): CaptureTargets {
  return {
    async containerInterfaces(name) {
      const c = findContainer(await inventory.listContainers(), name, project());
      if (!c) throw new UsageError(`no such container: ${name}`);
      if (!c.running) throw new UsageError(`container ${name} is not running`);
      const ifs = c.endpoints.filter((e) => e.hostIf).map((e) => ({ device: e.hostIf!, label: `${name}:${e.network}` }));
      if (ifs.length === 0) throw new UsageError(`container ${name} has no veth on the host (network mode ${c.networkMode})`);
      return ifs;
    },
    async addressNames() {
      const names = new Map<string, string>();
      for (const c of await inventory.listContainers()) for (const e of c.endpoints) if (e.ipv4) names.set(e.ipv4, c.name);
      return names;
    },
  };
}

/**
 * The backend chosen as the doctor chooses it: --backend, or auto: whichever
 * knows the container; names (--names) from tsdiag's and the engines' containers.
 */
export function backendTargets(ctx: CliContext, choice: BackendChoice, projectFlag: string | null = null): CaptureTargets {
  const native = nativeTargets(ctx.host);
  if (choice === 'native') return native;
  const engines = engineInventories(choice, ctx.host, ctx.env);
  return {
    async containerInterfaces(name) {
      const inventory = await pickInventory(choice, ctx.host, ctx.env, [name]);
      return (inventory.backend === 'native' ? native : inventoryTargets(inventory, () => projectFor(projectFlag ?? undefined))).containerInterfaces(name);
    },
    async addressNames() {
      const available = await Promise.all(engines.map(async (e) => (choice !== 'auto' || (await e.available()) ? e : null)));
      const fromEngines = await Promise.all(available.filter((e) => e !== null).map((e) => inventoryTargets(e).addressNames()));
      const merged = new Map(fromEngines.flatMap((m) => [...m]));
      return choice === 'auto' ? new Map([...merged, ...(await native.addressNames())]) : merged;
    },
  };
}

const packets = (n: number) => `${n} packet${n === 1 ? '' : 's'}`;

function plural(n: number, what: string): string {
  return `${packets(n)} ${what}\n`;
}

/** what the printer is told: the parsed options and the names for --names */
export function printOptionsOf(a: CaptureArgs, names: ReadonlyMap<string, string> | null): PrintOptions {
  return { linkHeader: a.linkHeader, verbose: a.verbose, timestamps: a.timestamps, names, ...printOutputOptions(a.output) };
}

export function makeCaptureCommand(targetsFor: (ctx: CliContext, a: CaptureArgs) => CaptureTargets = (ctx, a) => backendTargets(ctx, a.backend, a.project)): Command {
  return {
    name: 'capture',
    summary: 'capture packets live or read pcap files, printed like tcpdump',
    usage: USAGE,
    async run(args, ctx) {
      try {
        const a = parseCaptureArgs(args);
        if (a.help) {
          ctx.stdout.write(USAGE);
          return 0;
        }
        if (!a.readFile) {
          // loaded here: its process library costs more at start than printing a small file
          const { reexecInHostNetns } = await import('../reexec.js');
          const code = await reexecInHostNetns(ctx, ['capture', ...args]);
          if (code !== null) return code;
        }
        return await capture(a, ctx, targetsFor(ctx, a));
      } catch (err) {
        const code = (err as { exitCode?: number }).exitCode ?? 1;
        ctx.stderr.write(`tsdiag capture: ${(err as Error).message}${withoutRawSockets(err as Error, args, ctx)}\n`);
        return code;
      }
    },
  };
}

export const command: Command = makeCaptureCommand();

/** libpcap's "Operation not permitted" on a live capture, completed with the capability and the command to run instead */
function withoutRawSockets(err: Error, args: string[], ctx: CliContext): string {
  if (!/not permitted/i.test(err.message) || missingCapabilities(['NET_RAW']).length === 0) return '';
  const global = ctx.host.netns ? ['--host-netns', ctx.host.netns] : [];
  return ` (live capture needs CAP_NET_RAW; run instead: ${sudoCommand([...global, 'capture', ...args])})`;
}

const ignoreSignal = () => undefined;

async function capture(a: CaptureArgs, ctx: CliContext, targets: CaptureTargets): Promise<number> {
  const out = new TextOut(ctx.stdout, { eachLine: a.output.flushEachPacket });
  const print = printOptionsOf(a, a.names ? await targets.addressNames() : null);
  if (a.readFile && a.writeFile) {
    await copyCaptureFile(a.readFile, a.writeFile, { filter: a.filter, count: a.count, rotation: rotationOf(a, ctx) });
    return 0;
  }
  if (a.readFile && a.output.countOnly) {
    out.line(packets(await countPackets(a)));
    await out.flush();
    return 0;
  }
  if (a.readFile) {
    if (!a.filter) {
      await printPcapFile(a.readFile, { ...print, count: a.count }, out);
      return 0;
    }
    return await printFiltered(a, print, out);
  }
  const interfaces: CaptureInterface[] = a.container ? await targets.containerInterfaces(a.container) : [{ device: a.iface!, label: a.iface! }];
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // past a file size limit (ulimit -f) a write fails with EFBIG instead of killing the process: the file is then cut to whole records
  process.on('SIGXFSZ', ignoreSignal);
  try {
    const result = await runLiveCapture({
      interfaces, filter: filterWithDirection(a.filter, a.direction), snaplen: a.snaplen, count: a.count, writeFile: a.writeFile, pcapng: a.pcapng,
      rotation: rotationOf(a, ctx), flushEachPacket: a.output.flushEachPacket, print, out, stop: stop.signal,
      onListening: (linkTypes) => {
        const where = interfaces.map((i) => i.device).join(', ');
        ctx.stderr.write(`listening on ${where}, link-type ${linkTypeText(linkTypes[0]!)}, snapshot length ${a.snaplen} bytes\n`);
      },
    });
    if (result.fileLimitReached) ctx.stderr.write(`Maximum file limit reached: ${a.rotateFiles}\n`);
    ctx.stderr.write(plural(result.captured, 'captured') + plural(result.stats.received, 'received by filter') + plural(result.stats.dropped, 'dropped by kernel'));
    if (result.stats.ifDropped) ctx.stderr.write(plural(result.stats.ifDropped, 'dropped by interface'));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGXFSZ', ignoreSignal);
  }
}

/** --count -r FILE [FILTER]: the packets tcpdump would have printed, counted */
async function countPackets(a: CaptureArgs): Promise<number> {
  const limit = a.count ?? Infinity;
  let n = 0;
  if (a.filter) {
    await LiveCapture.replayFiltered(a.readFile!, a.filter, () => () => {
      if (n < limit) n++;
    });
    return n;
  }
  const reader = openCaptureFile(a.readFile!);
  try {
    const counted = () => void n++;
    while (n < limit && reader.read(counted, Math.min(4096, limit - n)));
  } finally {
    reader.close();
  }
  return n;
}

function rotationOf(a: CaptureArgs, ctx: CliContext): RotationOptions {
  return {
    sizeBytes: a.rotateSize,
    seconds: a.rotateSeconds,
    files: a.rotateFiles,
    onRotated: a.postRotate ? postRotateCommand(a.postRotate, (line) => ctx.stderr.write(`${line}\n`)) : undefined,
  };
}

/** -r FILE FILTER: the file is checked record by record first (libpcap stays silent on broken files), then libpcap filters it */
async function printFiltered(a: CaptureArgs, print: PrintOptions, out: TextOut): Promise<number> {
  if (a.readFile !== STDIN_NAME) checkWholeFile(a.readFile!);
  let printed = 0;
  const limit = a.count ?? Infinity;
  await LiveCapture.replayFiltered(a.readFile!, a.filter, (linkType) => {
    const printer = new LinePrinter(linkType, print);
    return (buf, caplen, wireLen, sec, usec) => {
      if (printed >= limit) return;
      printed++;
      printer.print(out.text, buf, 0, caplen, wireLen, sec, usec);
      out.endLine();
    };
  });
  await out.flush();
  return 0;
}
