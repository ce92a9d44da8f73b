import { readLinksNow } from '../netcore/kernel/links.js';

/**
 * if_indextoname for this process's network namespace, as tcpdump uses it to
 * name the interface of a LINUX_SLL2 packet: the links read once (netcore's
 * reader), and again when an index is not known yet (once per such index).
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
  try {
    return new Map(readLinksNow().map((l) => [l.ifindex, l.ifname]));
  } catch {
    return new Map(); // no netlink and no ip command: every interface prints as '?'
  }
}
