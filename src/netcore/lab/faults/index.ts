import type { Fault } from '../types.js';
import { s13LoopbackBind } from './app.js';
import { s1DefaultBridgeOnly, s2NoSharedNetwork } from './topology.js';

/** Every fault the lab can build, in the spec's order. */
export const FAULTS: Fault[] = [s1DefaultBridgeOnly, s2NoSharedNetwork, s13LoopbackBind];
