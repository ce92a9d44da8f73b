/** A record by its name, or by an unambiguous prefix (3+ hex digits) of its id, as Docker accepts them. */
export function byNameOrIdPrefix<T extends { id: string }>(records: Record<string, T>, ref: string): T | null {
  if (records[ref]) return records[ref]!;
  if (!/^[0-9a-f]{3,64}$/.test(ref)) return null;
  const hits = Object.values(records).filter((r) => r.id.startsWith(ref));
  return hits.length === 1 ? hits[0]! : null;
}
