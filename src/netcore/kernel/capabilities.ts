import fs from 'node:fs';
import { UsageError } from '../errors.js';

export const CAP = { NET_BIND_SERVICE: 10, NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21 } as const;
export type CapName = keyof typeof CAP;

function effectiveCaps(): bigint {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** The capabilities of `caps` this process does not have. */
export function missingCapabilities(caps: CapName[]): CapName[] {
  const eff = effectiveCaps();
  return caps.filter((c) => (eff & (1n << BigInt(CAP[c]))) === 0n);
}

/** A command needs privileges this process lacks; the CLI adds the command to run instead. */
export class MissingCapabilities extends UsageError {
  constructor(what: string, readonly missing: CapName[]) {
    super(`${what} needs ${missing.map((c) => `CAP_${c}`).join(' and ')} (run as root)`);
    this.name = 'MissingCapabilities';
  }
}

/** Throws MissingCapabilities naming every missing capability (exit 2 before anything is touched). */
export function requireCapabilities(what: string, caps: CapName[]): void {
  const missing = missingCapabilities(caps);
  if (missing.length) throw new MissingCapabilities(what, missing);
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `sudo tsdiag ARGS...` with each argument quoted as a POSIX shell would need it: for display only, never run. */
export function sudoCommand(argv: string[]): string {
  const quote = (a: string) => (SHELL_SAFE.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['sudo', 'tsdiag', ...argv.map(quote)].join(' ');
}
