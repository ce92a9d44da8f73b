import { isIPv4 } from 'node:net';
import { assertEntered, netnsPathFor, run, type Where } from './exec.js';
import { ipJson } from './ip-json.js';
import * as netlink from './rtnl/read.js';

/**
 * The routes of a namespace and the kernel's route lookups, the one reader of
 * them: over netlink where the addon can, else `ip -j`.
 */
export type Route = netlink.RtRoute;
export type RouteLookup = netlink.RtRouteGet;

/** `ip -j -4 route show table main` */
export const readIpv4Routes = (at: Where = {}): Promise<Route[]> => readRoutes(at, 4);

/** `ip -j -6 route show table main` */
export const readIpv6Routes = (at: Where = {}): Promise<Route[]> => readRoutes(at, 6);

async function readRoutes(at: Where, family: 4 | 6): Promise<Route[]> {
  if (netlink.rtnlAvailable()) return netlink.readRoutes(netnsPathFor(at), family);
  return (await ipJson<Record<string, string>>([`-${family}`, 'route', 'show', 'table', 'main'], at)).map((r) => ({
    dst: r.dst!, dev: r.dev ?? null, gateway: r.gateway ?? null, protocol: r.protocol ?? null,
  }));
}

/** `ip -j route get ADDR`; no route is an answer (error: what `ip` prints), a namespace that cannot be entered throws. */
export async function routeGet(addr: string, at: Where = {}): Promise<RouteLookup> {
  if (netlink.rtnlAvailable() && isIPv4(addr)) return netlink.routeGet(netnsPathFor(at), addr);
  const res = await run('ip', ['-j', 'route', 'get', addr], { ...at, reject: false });
  assertEntered(res);
  if (res.exitCode !== 0) return { dev: null, gateway: null, src: null, mtu: null, error: res.stderr.trim() };
  const r = (JSON.parse(res.stdout) as Array<Record<string, any>>)[0] ?? {};
  return { dev: r.dev ?? null, gateway: r.gateway ?? null, src: r.prefsrc ?? null, mtu: r.metrics?.[0]?.mtu ?? null, error: null };
}
