import type { Check } from '../check.js';
import { appListen } from './app.js';
import { fwBackend, fwChainsIntact, fwForwardPolicy, fwRuleDrop } from './firewall.js';
import { kernelBrNetfilter, kernelIpForward } from './kernel.js';
import { ipamOverlap } from './ipam.js';
import { pathMtu } from './mtu.js';
import { portsConflict } from './ports.js';
import { dnsEmbedded, dnsResolvePeer, dnsUpstream } from './dns.js';
import { reachIcmp, reachTcp } from './reach.js';
import { swarmPorts } from './swarm.js';
import { topologyCommonNetwork, topologyExists } from './topology.js';

/** Every check, in the order a report lists them when they agree. */
export const ALL_CHECKS: Check<any>[] = [
  topologyExists,
  topologyCommonNetwork,
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
  portsConflict,
  ipamOverlap,
  swarmPorts,
];
