import { serviceLabel } from './compose.js';
import type { ComposeService } from './types.js';

/** A container is named by its name, its id, or a prefix of its id of 12 characters or more. */
export function namedBy(c: { name: string; id: string }, name: string): boolean {
  return c.name === name || c.id === name || (name.length >= 12 && c.id.startsWith(name));
}

/** A compose container serves a name: its service's (web) or its project's and service's (shop/web). */
export function servesAs(c: { compose?: ComposeService }, name: string): boolean {
  const s = c.compose;
  return !!s && (s.service === name || serviceLabel(s) === name);
}

/** Any name a container may be asked by: its own (namedBy) or its compose service's (servesAs). */
export const answersTo = (c: { name: string; id: string; compose?: ComposeService }, name: string): boolean =>
  namedBy(c, name) || servesAs(c, name);

/** The names (not ids) a container answers to: its own, and its compose service's both ways. */
export const askableNames = (c: { name: string; compose?: ComposeService }): string[] =>
  c.compose ? [c.name, c.compose.service, serviceLabel(c.compose)] : [c.name];
