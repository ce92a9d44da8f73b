import fs from 'node:fs/promises';
import { run } from './exec.js';

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

export async function readIptables(netns: string | null, backend: 'nft' | 'legacy' = 'nft'): Promise<IptablesState | null> {
  const cmd = backend === 'nft' ? 'iptables-save' : 'iptables-legacy-save';
  const res = await run(cmd, ['-c'], { netns, reject: false });
  if (res.exitCode !== 0) return null;
  return parseIptablesCounters(res.stdout);
}

export async function readSysctl(netns: string | null, key: string): Promise<string | null> {
  const res = await run('sysctl', ['-n', key], { netns, reject: false });
  return res.exitCode === 0 ? res.stdout.trim() : null;
}

export async function kernelModuleLoaded(name: string): Promise<boolean> {
  const text = await fs.readFile('/proc/modules', 'utf8').catch(() => '');
  if (text.split('\n').some((l) => l.startsWith(`${name} `))) return true;
  return fs.access(`/sys/module/${name}`).then(() => true, () => false);
}

export interface HostSocket {
  proto: 'tcp' | 'udp';
  addr: string;
  port: number;
  process: string | null;
  pid: number | null;
}

/** Listening sockets of the host namespace with their owners (`ss -H -ltunp`). */
export async function listeningSockets(netns: string | null): Promise<HostSocket[]> {
  const res = await run('ss', ['-H', '-ltunp'], { netns, reject: false });
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

export interface RouteEntry { dst: string; dev: string | null; gateway: string | null; protocol: string | null }

export async function ipv4Routes(netns: string | null): Promise<RouteEntry[]> {
  const res = await run('ip', ['-j', '-4', 'route', 'show', 'table', 'main'], { netns, reject: false });
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, string>>).map((r) => ({
    dst: r.dst!, dev: r.dev ?? null, gateway: r.gateway ?? null, protocol: r.protocol ?? null,
  }));
}

export async function linkDetails(netns: string | null): Promise<Array<{ ifname: string; mtu: number; master: string | null; kind: string | null }>> {
  const res = await run('ip', ['-d', '-j', 'link', 'show'], { netns, reject: false });
  return (JSON.parse(res.stdout || '[]') as Array<Record<string, any>>).map((l) => ({
    ifname: l.ifname, mtu: l.mtu, master: l.master ?? null, kind: l.linkinfo?.info_kind ?? null,
  }));
}
