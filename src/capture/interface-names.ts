import { execFileSync } from 'node:child_process';

/**
 * if_indextoname for this process's network namespace, as tcpdump uses it to
 * name the interface of a LINUX_SLL2 packet: `ip -o link` read once, and
 * again when an index is not known yet (once per such index).
 */
export function systemInterfaceNames(): (index: number) => string | null {
  let names: Map<number, string> | null = null;
  const tried = new Set<number>();
  return (index) => {
    if (!names || (!names.has(index) && !tried.has(index))) {
      if (names) tried.add(index);
      names = readInterfaceNames();
    }
    return names.get(index) ?? null;
  };
}

function readInterfaceNames(): Map<number, string> {
  const names = new Map<number, string>();
  let text = '';
  try {
    text = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return names; // no ip command: every interface prints as '?'
  }
  for (const line of text.split('\n')) {
    const m = /^(\d+): ([^:@\s]+)/.exec(line);
    if (m) names.set(Number(m[1]), m[2]!);
  }
  return names;
}
