import { isIPv6 } from 'node:net';
import type { InvEndpoint } from './inventory/types.js';

/**
 * The address families of a doctor run: each check that sends or reads
 * something per family (reach, DNS, the path walk) does it for every family
 * both ends of the shared network have an address in.
 */
export type Family = 4 | 6;

export const FAMILIES: readonly Family[] = [4, 6];

export const familyName = (f: Family): string => (f === 6 ? 'IPv6' : 'IPv4');

export const familyOfAddress = (addr: string): Family => (isIPv6(addr) ? 6 : 4);

/** An endpoint's address in one family (null: none). */
export function addressIn(ep: InvEndpoint | undefined, f: Family): string | null {
  if (!ep) return null;
  return (f === 6 ? ep.ipv6 : ep.ipv4) ?? null;
}

export function prefixIn(ep: InvEndpoint, f: Family): number | null {
  return (f === 6 ? ep.prefixLen6 : ep.prefixLen) ?? null;
}

/** The families both endpoints have an address in, IPv4 first. */
export function sharedFamilies(a: InvEndpoint, b: InvEndpoint): Family[] {
  return FAMILIES.filter((f) => addressIn(a, f) && addressIn(b, f));
}

/** "IPv4", "IPv4 and IPv6" */
export const familiesText = (fs: readonly Family[]): string => fs.map(familyName).join(' and ');
