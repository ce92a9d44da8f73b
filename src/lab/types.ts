import type { HostRef } from '../netcore/host.js';

/** A running lab: a sandbox host with `db` serving TCP 5432 and `web` on the same network. */
export interface Lab {
  name: string; // the sandbox
  host: HostRef;
  port: number; // db's service port
}

/**
 * One fault of spec/faults.md, built into a lab and taken out again. `apply`
 * and `heal` must be inverses: after heal the doctor passes again.
 */
export interface Fault {
  /** the reproduction's id in spec/faults.md: S1 ... S15 */
  id: string;
  /** the doctor check that must name it */
  check: string;
  description: string;
  apply(lab: Lab): Promise<void>;
  heal(lab: Lab): Promise<void>;
}
