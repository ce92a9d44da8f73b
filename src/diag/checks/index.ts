import type { Check } from '../check.js';
import { appListen } from './app.js';
import { dnsEmbedded } from './dns.js';
import { reachIcmp, reachTcp } from './reach.js';
import { topologyCommonNetwork, topologyExists } from './topology.js';

/** Every check, in the order a report lists them when they agree. */
export const ALL_CHECKS: Check<any>[] = [
  topologyExists,
  topologyCommonNetwork,
  dnsEmbedded,
  reachIcmp,
  reachTcp,
  appListen,
];
