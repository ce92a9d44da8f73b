import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Namespaces for the kernel's own account of a packet: A (10.61.1.1) routes
 * through R to S (10.61.2.1); R's side towards S is a bridge (br0,
 * 10.61.2.254) whose second port leads to T (10.61.2.2), so S<->T crosses a
 * bridge forward hook and A<->S an ip forward hook.
 */
export interface KernelPath {
  A: string;
  R: string;
  S: string;
  T: string;
  all: string[];
}

export const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const ip = (ns: string, ...args: string[]) => sh('ip', '-n', ns, ...args);
export const inNs = (ns: string, ...cmd: string[]) => sh('ip', 'netns', 'exec', ns, ...cmd);

export function buildKernelPath(tag: string): KernelPath {
  const id = `${tag}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const p = { A: `tsk${id}A`, R: `tsk${id}R`, S: `tsk${id}S`, T: `tsk${id}T` };
  const kp: KernelPath = { ...p, all: Object.values(p) };
  try {
    for (const ns of kp.all) {
      sh('ip', 'netns', 'add', ns);
      ip(ns, 'link', 'set', 'lo', 'up');
    }
    ip(p.A, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'r1', 'netns', p.R);
    ip(p.R, 'link', 'add', 'br0', 'type', 'bridge');
    ip(p.R, 'link', 'add', 'r2', 'type', 'veth', 'peer', 'name', 's0', 'netns', p.S);
    ip(p.R, 'link', 'add', 'r3', 'type', 'veth', 'peer', 'name', 't0', 'netns', p.T);
    for (const port of ['r2', 'r3']) ip(p.R, 'link', 'set', port, 'master', 'br0');
    const addrs: [string, string, string][] = [[p.A, 'a0', '10.61.1.1/24'], [p.R, 'r1', '10.61.1.254/24'], [p.R, 'br0', '10.61.2.254/24'], [p.S, 's0', '10.61.2.1/24'], [p.T, 't0', '10.61.2.2/24']];
    for (const [ns, dev, cidr] of addrs) ip(ns, 'addr', 'add', cidr, 'dev', dev);
    for (const [ns, dev] of [[p.A, 'a0'], [p.R, 'r1'], [p.R, 'br0'], [p.R, 'r2'], [p.R, 'r3'], [p.S, 's0'], [p.T, 't0']] as const) ip(ns, 'link', 'set', dev, 'up');
    ip(p.A, 'route', 'add', 'default', 'via', '10.61.1.254');
    for (const ns of [p.S, p.T]) ip(ns, 'route', 'add', 'default', 'via', '10.61.2.254');
    inNs(p.R, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    return kp;
  } catch (err) {
    removeKernelPath(kp);
    throw err;
  }
}

export function removeKernelPath(kp: KernelPath): void {
  for (const ns of kp.all) {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {
      // never made
    }
  }
}

/** A TCP connect (or a UDP datagram) from a namespace, given up after timeoutS. */
export function send(ns: string, proto: 'tcp' | 'udp', addr: string, port: number, timeoutS = 1): void {
  try {
    inNs(ns, 'timeout', String(timeoutS), 'bash', '-c', `echo x > /dev/${proto}/${addr}/${port}`);
  } catch {
    // refused, dropped or timed out: what the test looks at is the kernel's account
  }
}

/** One of src/netcore/kernel's modules as a node script, for a child process that gets a signal mid-way. */
export function bundleScript(source: string, outfile: string): string {
  buildSync({ stdin: { contents: source, resolveDir: path.resolve(import.meta.dirname, '../..'), loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  return outfile;
}
