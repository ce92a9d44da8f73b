import { UsageError } from '../errors.js';
import { isIpv4 } from '../ipv4.js';
import { formatIpv6, hostAddressText, hostPortText, isIpv6, parseIpv6 } from '../ipv6.js';
import type { ContainerRecord, HostState, PortMapping } from './state/types.js';

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

/** The address families a mapping publishes on. */
export type PortFamily = 4 | 6;

/**
 * As Docker: a bare `-p PORT` (0.0.0.0) publishes on both families, `-p
 * 0.0.0.0:…` (family 4) and an IPv4 host address on IPv4 only, `-p [::]:…`
 * and an IPv6 host address on IPv6 only.
 */
export function portFamilies(p: PortMapping): PortFamily[] {
  if (p.hostIp.includes(':')) return [6];
  return p.hostIp === '0.0.0.0' && p.family !== 4 ? [4, 6] : [4];
}

/** Whether the mapping takes every address of `family` (0.0.0.0, ::), not one. */
export function publishesAnyAddress(p: PortMapping, family: PortFamily): boolean {
  return portFamilies(p).includes(family) && (p.hostIp === '0.0.0.0' || p.hostIp === '::');
}

const PUBLISH = /^(?:(?:\[([^\]]*)\]|(\d{1,3}(?:\.\d{1,3}){3})):)?(?:(\d{1,5})?:)?(\d{1,5})(?:\/(tcp|udp))?$/;

/**
 * Parses `-p [HOSTIP:][HOSTPORT:]PORT[/tcp|/udp]` as docker run does (no
 * HOSTPORT: an ephemeral one); an IPv6 HOSTIP stands in brackets:
 * `[2001:db8::1]:8080:80`, `[::]:8080:80`.
 */
export function parsePublish(spec: string): PortMapping & { hostPortGiven: boolean } {
  const m = PUBLISH.exec(spec);
  if (!m) {
    const hint = (spec.match(/:/g) ?? []).length > 2 && !spec.startsWith('[') ? ' (an IPv6 host IP goes in brackets: [2001:db8::1]:8080:80)' : '';
    throw new UsageError(`invalid port specification "${spec}": expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]${hint}`);
  }
  const [, ip6, ip4, hostPortText, portText, proto = 'tcp'] = m;
  if (ip4 !== undefined && !isIpv4(ip4)) throw new UsageError(`invalid host IP "${ip4}" in "${spec}"`);
  if (ip6 !== undefined && !isIpv6(ip6)) throw new UsageError(`invalid IPv6 host IP "[${ip6}]" in "${spec}"`);
  const containerPort = Number(portText);
  const hostPort = hostPortText ? Number(hostPortText) : 0;
  if (containerPort < 1 || containerPort > 65535) throw new UsageError(`invalid container port ${portText} in "${spec}"`);
  if (hostPortText && (hostPort < 1 || hostPort > 65535)) throw new UsageError(`invalid host port ${hostPortText} in "${spec}"`);
  const hostIp = ip6 !== undefined ? formatIpv6(parseIpv6(ip6)) : ip4 ?? '0.0.0.0';
  return { hostIp, ...(ip4 === '0.0.0.0' ? { family: 4 as const } : {}), hostPort, containerPort, proto: proto as 'tcp' | 'udp', hostPortGiven: !!hostPortText };
}

/** The `-p` argument that parsePublish reads back as this mapping: `8080:80`, `0.0.0.0:8080:80`, `[::]:8080:80/udp`. */
export function publishSpec(p: PortMapping): string {
  const bothFamilies = p.hostIp === '0.0.0.0' && p.family !== 4;
  return `${bothFamilies ? '' : `${hostAddressText(p.hostIp)}:`}${p.hostPort}:${p.containerPort}${p.proto === 'udp' ? '/udp' : ''}`;
}

/**
 * A container's published ports as Docker lists them (inspect's Ports, `docker
 * port`, `docker ps`): one binding per family, a bare -p as 0.0.0.0 and ::.
 * A family the container has no address of gets no DNAT here (no
 * docker-proxy), so it is not listed.
 */
export function publishedBindings(c: ContainerRecord): Array<PortMapping & { bindIp: string }> {
  const has = (f: PortFamily) => c.endpoints.some((e) => (f === 4 ? !!e.ipv4 : !!e.ipv6));
  return c.ports.flatMap((p) => portFamilies(p).filter(has).map((f) => ({ ...p, bindIp: f === 6 && p.hostIp === '0.0.0.0' ? '::' : p.hostIp })));
}

/** Two mappings of one proto and host port clash where they share a family and, in it, an address (or one takes all). */
function clash(a: PortMapping, b: PortMapping): boolean {
  if (a.proto !== b.proto || a.hostPort !== b.hostPort) return false;
  return portFamilies(a).some((f) => portFamilies(b).includes(f)
    && (a.hostIp === b.hostIp || publishesAnyAddress(a, f) || publishesAnyAddress(b, f)));
}

/** Host ports for new mappings: refuses one already published on this host, picks free ephemeral ones. */
export function assignHostPorts(state: HostState, wanted: Array<PortMapping & { hostPortGiven: boolean }>): PortMapping[] {
  const taken: PortMapping[] = Object.values(state.containers).flatMap((c) => c.ports);
  const out: PortMapping[] = [];
  for (const w of wanted) {
    let p: PortMapping = { hostIp: w.hostIp, ...(w.family ? { family: w.family } : {}), hostPort: w.hostPort, containerPort: w.containerPort, proto: w.proto };
    if (!w.hostPortGiven) {
      let port = EPHEMERAL_FIRST;
      while (port <= EPHEMERAL_LAST && [...taken, ...out].some((t) => clash(t, { ...p, hostPort: port }))) port++;
      if (port > EPHEMERAL_LAST) throw new UsageError('no free host port left to publish on');
      p = { ...p, hostPort: port };
    } else {
      const owner = Object.values(state.containers).find((c) => c.ports.some((t) => clash(t, p)));
      if (owner || out.some((t) => clash(t, p))) {
        throw new UsageError(`Bind for ${hostPortText(p.hostIp, p.hostPort)} failed: port is already allocated${owner ? ` (by container ${owner.name})` : ''}`);
      }
    }
    out.push(p);
  }
  return out;
}
