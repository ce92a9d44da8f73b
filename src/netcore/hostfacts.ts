import { run } from './exec.js';
import { parseCidr, type Cidr } from './ipv4.js';

interface IpRoute { dst: string; dev?: string }
interface IpAddrInfo { family: string; local: string; prefixlen: number }
interface IpLink { ifname: string; addr_info?: IpAddrInfo[]; master?: string; mtu?: number; link_type?: string }

/** IPv4 routes and interface subnets of the host, to keep new subnets clear of them (libnetwork does the same). */
export async function hostIpv4Ranges(netns: string | null, ignoreDevices: Set<string>): Promise<Cidr[]> {
  const [routes, addrs] = await Promise.all([
    run('ip', ['-j', '-4', 'route', 'show'], { netns }),
    run('ip', ['-j', '-4', 'addr', 'show'], { netns }),
  ]);
  const out: Cidr[] = [];
  for (const r of JSON.parse(routes.stdout || '[]') as IpRoute[]) {
    if (r.dst === 'default' || (r.dev && ignoreDevices.has(r.dev))) continue;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    out.push(parseCidr(dst, { strict: false }));
  }
  for (const link of JSON.parse(addrs.stdout || '[]') as IpLink[]) {
    if (ignoreDevices.has(link.ifname)) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family === 'inet' && !a.local.startsWith('127.')) out.push(parseCidr(`${a.local}/${a.prefixlen}`, { strict: false }));
    }
  }
  return out;
}

export async function linkNames(netns: string | null): Promise<Set<string>> {
  const res = await run('ip', ['-j', 'link', 'show'], { netns });
  return new Set((JSON.parse(res.stdout || '[]') as IpLink[]).map((l) => l.ifname));
}

export async function linkExists(netns: string | null, name: string): Promise<boolean> {
  const res = await run('ip', ['link', 'show', 'dev', name], { netns, reject: false });
  return res.exitCode === 0;
}

export async function listLinks(netns: string | null): Promise<IpLink[]> {
  const res = await run('ip', ['-j', 'link', 'show'], { netns });
  return JSON.parse(res.stdout || '[]') as IpLink[];
}

export async function namedNetnsList(): Promise<string[]> {
  const res = await run('ip', ['-j', 'netns', 'list'], { reject: false });
  if (res.exitCode !== 0 || !res.stdout.trim()) return [];
  return (JSON.parse(res.stdout) as Array<{ name: string }>).map((n) => n.name);
}
