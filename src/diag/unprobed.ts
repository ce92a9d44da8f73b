import { skip, type Check, type Verdict } from './check.js';

/**
 * The checks that read only the two containers' own namespaces (their links,
 * routes, sockets, a lookup or a connection sent from inside one): these still
 * apply where the host's side of the path cannot be probed (rootless Podman).
 * Every other check reads the host namespace (bridges, firewall, sysctls,
 * listening sockets, routes) and would judge the wrong one.
 */
const CONTAINER_SIDE = /^(topology\.(exists|common-network)|dns\.(embedded|resolve-peer)|reach\.(icmp|tcp)|app\.listen)$/;

export function stillApplies(check: Pick<Check, 'id'>): boolean {
  return CONTAINER_SIDE.test(check.id);
}

/** The skip of a check that reads the host's side; the report's note (DoctorReport.unprobed) says why. */
export function notProbed(): Verdict {
  return skip("not probed: it reads the host's side of the path, out of reach here (see the report's note)");
}
