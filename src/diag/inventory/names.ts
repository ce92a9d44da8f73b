/** A container is named by its name, its id, or a prefix of its id of 12 characters or more. */
export function namedBy(c: { name: string; id: string }, name: string): boolean {
  return c.name === name || c.id === name || (name.length >= 12 && c.id.startsWith(name));
}
