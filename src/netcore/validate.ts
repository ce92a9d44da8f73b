import { UsageError } from './errors.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_NAME = 64;

/** Names of networks, containers, sandboxes and aliases, as Docker accepts them. */
export function validateName(kind: string, name: string): string {
  if (!NAME_RE.test(name) || name.length > MAX_NAME) {
    throw new UsageError(`invalid ${kind} name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-]* is allowed (at most ${MAX_NAME} characters)`);
  }
  return name;
}

const IFNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,14}$/;

export function validateIfName(name: string): string {
  if (!IFNAME_RE.test(name)) throw new UsageError(`invalid interface name "${name}"`);
  return name;
}

export function parseIntStrict(what: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`invalid ${what} "${text}": not a number`);
  const n = Number.parseInt(text, 10);
  if (n < min || n > max) throw new UsageError(`invalid ${what} ${n}: must be between ${min} and ${max}`);
  return n;
}
