import fsSync from 'node:fs';
import { readNow } from './read-now.js';
import path from 'node:path';
import { netnsPathOf, run } from './exec.js';
import { nativeAddon } from './native.js';
import { readIpv4Addresses, readIpv6Addresses, type Address } from './addresses.js';
import { readLinks } from './links.js';
import { readNeighbours, readTunnelFdb, type FdbEntry } from './neighbours.js';
import { readIpv4Routes, readIpv6Routes, type Route } from './routes.js';

/**
 * Read-only views of a host namespace's kernel state, for the doctor. Every
 * call names the namespace (null: the machine's own).
 */
export interface IptRule {
  table: string;
  chain: string;
  /** 1-based position in its chain */
  position: number;
  packets: number;
  bytes: number;
  /** the rule as iptables-save prints it, without the counters: "-A CHAIN ..." */
  text: string;
  target: string | null;
}

export interface IptChain {
  table: string;
  name: string;
  policy: string | null; // ACCEPT/DROP for built-in chains
  packets: number;
  bytes: number;
}

export interface IptablesState {
  rules: IptRule[];
  chains: IptChain[];
}

/** Parses `iptables-save -c` output. */
export function parseIptablesCounters(text: string): IptablesState {
  const rules: IptRule[] = [];
  const chains: IptChain[] = [];
  const positions = new Map<string, number>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':')) {
      const m = /^:(\S+) (\S+) \[(\d+):(\d+)\]/.exec(line);
      if (m) chains.push({ table, name: m[1]!, policy: m[2] === '-' ? null : m[2]!, packets: Number(m[3]), bytes: Number(m[4]) });
    } else {
      const m = /^\[(\d+):(\d+)\] (-A (\S+) .*)$/.exec(line);
      if (!m) continue;
      const key = `${table}/${m[4]}`;
      const position = (positions.get(key) ?? 0) + 1;
      positions.set(key, position);
      const target = / -j (\S+)/.exec(m[3]!)?.[1] ?? null;
      rules.push({ table, chain: m[4]!, position, packets: Number(m[1]), bytes: Number(m[2]), text: m[3]!, target });
    }
  }
  return { rules, chains };
}

const sysctlFile = (key: string) => `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;

/**
 * Sysctls' values as `sysctl -n` prints them (null: absent), read from the
 * namespace's /proc/sys/net (which shows the reader's namespace) without a
 * process: directly for this process's own, through the addon's readIn for
 * another (all in one entry). Undefined where that cannot be done (no addon).
 */
export function readSysctlsNow(netns: string | null, keys: string[]): (string | null)[] | undefined {
  // sysctl's own rule: dots separate, unless the key is written with slashes (eth0.100 in net/ipv4/conf/eth0.100/...)
  const files = keys.map(sysctlFile);
  if (!netns) return files.map((f) => readNow(f)?.trim() ?? null);
  const native = nativeAddon();
  if (!native) return undefined;
  try {
    return native.readIn(netnsPathOf(netns), files).map((v) => v?.trim() ?? null);
  } catch {
    return keys.map(() => null); // the namespace cannot be entered: sysctl there would fail the same way
  }
}

/** A sysctl's value (null: absent): as readSysctlsNow, else with sysctl started there. */
export async function readSysctl(netns: string | null, key: string): Promise<string | null> {
  const now = readSysctlsNow(netns, [key]);
  if (now) return now[0]!;
  const res = await run('sysctl', ['-n', key], { netns, reject: false });
  return res.exitCode === 0 ? res.stdout.trim() : null;
}

export async function kernelModuleLoaded(name: string): Promise<boolean> {
  const text = readNow('/proc/modules') ?? '';
  return text.split('\n').some((l) => l.startsWith(`${name} `)) || fsSync.existsSync(`/sys/module/${name}`);
}

export interface HostSocket {
  proto: 'tcp' | 'udp';
  addr: string;
  port: number;
  process: string | null;
  pid: number | null;
}

/**
 * Listening sockets of the host namespace (`ss -H -ltun`), with their owners
 * when asked (`-p`: ss then reads every process's descriptors, ~40 ms here).
 */
export async function listeningSockets(netns: string | null, withOwners = true): Promise<HostSocket[]> {
  const res = await run('ss', ['-H', withOwners ? '-ltunp' : '-ltun'], { netns, reject: false });
  const out: HostSocket[] = [];
  for (const line of res.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const local = f[4]!;
    const i = local.lastIndexOf(':');
    const addr = local.slice(0, i).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    out.push({ proto: f[0] === 'udp' ? 'udp' : 'tcp', addr, port: Number(local.slice(i + 1)), process: m?.[1] ?? null, pid: m ? Number(m[2]) : null });
  }
  return out;
}

export type RouteEntry = Route;

/** A host reading; [] where the namespace cannot be read, as the `ip` it stands for gives. */
const orNone = <T>(reading: Promise<T[]>): Promise<T[]> => reading.catch(() => []);

export async function ipv4Routes(netns: string | null): Promise<RouteEntry[]> {
  return orNone(readIpv4Routes({ netns }));
}

export async function ipv6Routes(netns: string | null): Promise<RouteEntry[]> {
  return orNone(readIpv6Routes({ netns }));
}

export async function linkDetails(netns: string | null): Promise<Array<{ ifname: string; mtu: number; master: string | null; kind: string | null }>> {
  return (await orNone(readLinks({ netns }))).map(({ ifname, mtu, master, kind }) => ({ ifname, mtu, master, kind }));
}

export type IptablesBackend = 'nft' | 'legacy';

/**
 * Which backend the plain `iptables` command drives here: the multi-call
 * binary it links to (Debian's alternatives), else what `iptables -V` says
 * ("(nf_tables)" or "(legacy)"); null when absent.
 */
export async function iptablesBackendInUse(netns: string | null): Promise<IptablesBackend | null> {
  const linked = iptablesMultiBinary();
  if (linked) return linked;
  const res = await run('iptables', ['-V'], { netns, reject: false });
  if (res.exitCode !== 0) return null;
  return /nf_tables/.test(res.stdout) ? 'nft' : 'legacy';
}

/** Synchronous: a few lstat calls, where the thread pool may be busy with the run's file reads for milliseconds. */
function iptablesMultiBinary(): IptablesBackend | null {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    let real: string;
    try {
      real = fsSync.realpathSync(path.join(dir || '.', 'iptables'));
    } catch {
      continue;
    }
    return ({ 'xtables-nft-multi': 'nft', 'xtables-legacy-multi': 'legacy' } as const)[path.basename(real)] ?? null;
  }
  return null;
}

/** The rules one backend holds, read with its own save command (iptables-nft-save or iptables-legacy-save); null when it is not installed. */
export async function readIptablesOf(netns: string | null, backend: IptablesBackend, family: 4 | 6 = 4): Promise<IptablesState | null> {
  const res = await run(`${family === 6 ? 'ip6tables' : 'iptables'}-${backend}-save`, ['-c'], { netns, reject: false });
  if (res.exitCode !== 0) return null;
  return parseIptablesCounters(res.stdout);
}

export type AddressEntry = Address;

/** IPv4 addresses of every interface of a host namespace (loopback included: callers filter). */
export async function ipv4Addresses(netns: string | null): Promise<AddressEntry[]> {
  return orNone(readIpv4Addresses({ netns }));
}

export async function ipv6Addresses(netns: string | null): Promise<AddressEntry[]> {
  return orNone(readIpv6Addresses({ netns }));
}

export interface VxlanLink {
  ifname: string;
  vni: number;
  /** the peer VTEP of a point-to-point link (null: peers come from the forwarding database) */
  remote: string | null;
  local: string | null;
  dstport: number;
  /** the bridge the link is a port of */
  master: string | null;
}

export async function vxlanLinks(netns: string | null): Promise<VxlanLink[]> {
  return (await orNone(readLinks({ netns }))).flatMap(({ ifname, master, vxlan }) => (vxlan ? [{ ifname, ...vxlan, master }] : []));
}

export type { FdbEntry };

/** Bridge forwarding entries that name a tunnel endpoint (`dst`): where a VXLAN sends a MAC. */
export async function tunnelFdb(netns: string | null): Promise<FdbEntry[]> {
  return orNone(readTunnelFdb({ netns }));
}

export interface NeighbourEntry { dst: string; dev: string; lladdr: string | null }

/** Permanent neighbour entries: what an overlay's control plane writes for containers on other nodes. */
export async function permanentNeighbours(netns: string | null): Promise<NeighbourEntry[]> {
  return (await orNone(readNeighbours({ netns }, { ipv4Only: true, permanentOnly: true }))).map(({ dst, dev, lladdr }) => ({ dst, dev, lladdr }));
}

/** `PROGRAM --version`'s first line (an engine's helper: netavark, aardvark-dns); null when it does not run. */
export async function toolVersion(program: string): Promise<string | null> {
  const res = await run(program, ['--version'], { reject: false, timeoutMs: 5000 });
  return res.exitCode === 0 ? (res.stdout.trim().split('\n')[0] ?? null) : null;
}
