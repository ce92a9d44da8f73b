import { config } from '../../config.js';
import { loadNative, type PerfCalls } from '../../netcore/kernel/native.js';
import type { EngineResult } from './protocol.js';

/** The addon's perf calls when this generator may use them (an older build lacks them), and which engine runs. */
export function pickEngine(): { native: PerfCalls | null; info: EngineResult } {
  if (!config().native.perf) return { native: null, info: { engine: 'node', why: 'left out (TSDIAG_NATIVE=-perf)' } };
  const load = loadNative();
  if ('error' in load) return { native: null, info: { engine: 'node', why: load.error } };
  if (typeof load.addon.tcpSend !== 'function') return { native: null, info: { engine: 'node', why: 'the addon build has no perf calls (rebuild it)' } };
  const ipv6 = load.addon.perfIpv6 === true;
  return { native: load.addon, info: { engine: 'native', ipv6 } };
}
