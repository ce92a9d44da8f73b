import fs from 'node:fs';
import { UsageError } from '../errors.js';

export const CAP = { NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21 } as const;
export type CapName = keyof typeof CAP;

function effectiveCaps(): bigint {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** Throws a UsageError naming every missing capability (exit 2 before anything is touched). */
export function requireCapabilities(what: string, caps: CapName[]): void {
  const eff = effectiveCaps();
  const missing = caps.filter((c) => (eff & (1n << BigInt(CAP[c]))) === 0n);
  if (missing.length) {
    throw new UsageError(`${what} needs ${missing.map((c) => `CAP_${c}`).join(' and ')} (run as root)`);
  }
}
