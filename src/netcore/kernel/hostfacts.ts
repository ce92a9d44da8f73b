import { run } from './exec.js';
import { ipv4Addresses, ipv4Routes } from './inspect.js';
import { readLinks } from './links.js';
import { parseCidr, type Cidr } from '../ipv4.js';

/** IPv4 routes and interface subnets of the host, to keep new subnets clear of them (libnetwork does the same). */
export async function hostIpv4Ranges(netns: string | null, ignoreDevices: Set<string>): Promise<Cidr[]> {
  const [routes, addresses] = await Promise.all([ipv4Routes(netns), ipv4Addresses(netns)]);
  const out: Cidr[] = [];
  for (const r of routes) {
    if (r.dst === 'default' || (r.dev && ignoreDevices.has(r.dev))) continue;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    out.push(parseCidr(dst, { strict: false }));
  }
  for (const a of addresses) {
    if (!ignoreDevices.has(a.ifname) && !a.address.startsWith('127.')) out.push(parseCidr(`${a.address}/${a.prefixLen}`, { strict: false }));
  }
  return out;
}

/** The names of the host's links. */
export async function linkNames(netns: string | null): Promise<string[]> {
  return (await readLinks({ netns })).map((l) => l.ifname);
}

export async function linkExists(netns: string | null, name: string): Promise<boolean> {
  return (await linkNames(netns)).includes(name);
}

export async function namedNetnsList(): Promise<string[]> {
  const res = await run('ip', ['-j', 'netns', 'list'], { reject: false });
  if (res.exitCode !== 0 || !res.stdout.trim()) return [];
  return (JSON.parse(res.stdout) as Array<{ name: string }>).map((n) => n.name);
}
