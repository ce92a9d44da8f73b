import type { Check } from '../check.js';
import { appListen } from './app/app.js';
import { fwBackend, fwChainsIntact, fwForwardPolicy, fwRuleDrop } from './firewall/checks.js';
import { kernelBrNetfilter, kernelIpForward } from './kernel/kernel.js';
import { kernelDropReason } from './kernel/drop-reason.js';
import { ipamOverlap } from './ipam/ipam.js';
import { pathMtu } from './mtu/mtu.js';
import { portsConflict } from './ports/ports.js';
import { dnsEmbedded, dnsResolvePeer, dnsUpstream } from './dns/dns.js';
import { reachIcmp, reachTcp } from './reach/reach.js';
import { swarmPorts } from './swarm/swarm.js';
import { topologyCommonNetwork, topologyExists } from './topology/topology.js';
import { PATH_CHECKS } from './path/checks.js';

/** Every check, in the order a report lists them when they agree. */
export const ALL_CHECKS: Check<any>[] = [
  topologyExists,
  topologyCommonNetwork,
  ...PATH_CHECKS,
  dnsEmbedded,
  dnsResolvePeer,
  dnsUpstream,
  reachIcmp,
  reachTcp,
  appListen,
  pathMtu,
  fwForwardPolicy,
  fwRuleDrop,
  fwChainsIntact,
  fwBackend,
  kernelIpForward,
  kernelBrNetfilter,
  kernelDropReason,
  portsConflict,
  ipamOverlap,
  swarmPorts,
];
