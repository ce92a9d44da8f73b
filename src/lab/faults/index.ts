import type { Fault } from '../types.js';
import { s13LoopbackBind } from './app.js';
import { s3LoopbackUpstreamInside, s4DeadFirstUpstream } from './dns.js';
import { s6ForwardPolicyDrop, s7UserRuleDrop, s8NatFlushed, s9LegacyDrop } from './firewall.js';
import { s10IpForwardOff, s11BridgeBypassesIptables } from './kernel.js';
import { s14SubnetOverlap } from './ipam.js';
import { s5PathMtu } from './mtu.js';
import { s12PortTaken } from './ports.js';
import { s15SwarmDataPort } from './swarm.js';
import { s1DefaultBridgeOnly, s2NoSharedNetwork } from './topology.js';

/** Every fault the lab can build, in the spec's order. */
export const FAULTS: Fault[] = [s1DefaultBridgeOnly, s2NoSharedNetwork, s3LoopbackUpstreamInside, s4DeadFirstUpstream, s5PathMtu, s6ForwardPolicyDrop, s7UserRuleDrop, s8NatFlushed, s9LegacyDrop, s10IpForwardOff, s11BridgeBypassesIptables, s12PortTaken, s13LoopbackBind, s14SubnetOverlap, s15SwarmDataPort];
