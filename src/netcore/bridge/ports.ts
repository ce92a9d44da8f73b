import { UsageError } from '../errors.js';
import { isIpv4 } from '../ipv4.js';
import type { HostState, PortMapping } from './state/types.js';

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

/** Parses `-p [HOSTIP:][HOSTPORT:]PORT[/tcp|/udp]` as docker run does (no HOSTPORT: an ephemeral one). */
export function parsePublish(spec: string): PortMapping & { hostPortGiven: boolean } {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5})?:)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) throw new UsageError(`invalid port specification "${spec}": expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]`);
  const [, hostIp = '0.0.0.0', hostPortText, portText, proto = 'tcp'] = m;
  if (!isIpv4(hostIp)) throw new UsageError(`invalid host IP "${hostIp}" in "${spec}"`);
  const containerPort = Number(portText);
  const hostPort = hostPortText ? Number(hostPortText) : 0;
  if (containerPort < 1 || containerPort > 65535) throw new UsageError(`invalid container port ${portText} in "${spec}"`);
  if (hostPortText && (hostPort < 1 || hostPort > 65535)) throw new UsageError(`invalid host port ${hostPortText} in "${spec}"`);
  return { hostIp, hostPort, containerPort, proto: proto as 'tcp' | 'udp', hostPortGiven: !!hostPortText };
}

function clash(a: PortMapping, b: PortMapping): boolean {
  return a.proto === b.proto && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
}

/** Host ports for new mappings: refuses one already published on this host, picks free ephemeral ones. */
export function assignHostPorts(state: HostState, wanted: Array<PortMapping & { hostPortGiven: boolean }>): PortMapping[] {
  const taken: PortMapping[] = Object.values(state.containers).flatMap((c) => c.ports);
  const out: PortMapping[] = [];
  for (const w of wanted) {
    let p: PortMapping = { hostIp: w.hostIp, hostPort: w.hostPort, containerPort: w.containerPort, proto: w.proto };
    if (!w.hostPortGiven) {
      let port = EPHEMERAL_FIRST;
      while (port <= EPHEMERAL_LAST && [...taken, ...out].some((t) => clash(t, { ...p, hostPort: port }))) port++;
      if (port > EPHEMERAL_LAST) throw new UsageError('no free host port left to publish on');
      p = { ...p, hostPort: port };
    } else {
      const owner = Object.values(state.containers).find((c) => c.ports.some((t) => clash(t, p)));
      if (owner || out.some((t) => clash(t, p))) {
        throw new UsageError(`Bind for ${p.hostIp}:${p.hostPort} failed: port is already allocated${owner ? ` (by container ${owner.name})` : ''}`);
      }
    }
    out.push(p);
  }
  return out;
}
