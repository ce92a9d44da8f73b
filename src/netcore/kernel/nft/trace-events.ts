/**
 * `nft -a monitor` output read as nftrace events and per-packet paths. One
 * trace id is one packet (skb) across every hook of one namespace; crossing
 * a veth clears the trace mark, so each namespace is traced on its own.
 */
export interface TraceStep {
  family: string;
  table: string;
  chain: string;
  kind: 'rule' | 'policy' | 'return';
  /** the rule's handle (kind rule) */
  handle: number | null;
  /** the rule's text as the monitor printed it (null: a rule the monitor did not know yet) */
  text: string | null;
  /** accept, drop, continue, jump <chain>, goto <chain>, return, queue ... */
  verdict: string;
}

export interface TraceEvent extends Partial<TraceStep> {
  id: string;
  family: string;
  table: string;
  chain: string;
  /** the packet line's fields (kind packet) */
  packet?: string;
}

export interface TracedPacket {
  id: string;
  /** the first packet line the trace printed (iif/oif, addresses, ports) */
  packet: string;
  iif: string | null;
  oif: string | null;
  steps: TraceStep[];
  /** drop when a step dropped it (reject reads as drop), else accept */
  verdict: 'accept' | 'drop';
  /** the step that decided: the dropping rule or policy, or the last accepting one */
  decidedBy: TraceStep | null;
}

const HEAD = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (.*)$/;

export function parseTraceLine(line: string): TraceEvent | null {
  const m = HEAD.exec(line.trimEnd());
  if (!m) return null;
  const [, id, family, table, chain, rest] = m as unknown as [string, string, string, string, string, string];
  const base = { id, family, table, chain };
  let r: RegExpExecArray | null;
  if (rest.startsWith('packet: ')) return { ...base, packet: rest.slice('packet: '.length).trim() };
  if ((r = /^rule (.*) # handle (\d+) \(verdict ([^)]+)\)$/.exec(rest))) return { ...base, kind: 'rule', text: r[1]!, handle: Number(r[2]), verdict: r[3]! };
  if ((r = /^unknown rule handle (\d+) \(verdict ([^)]+)\)$/.exec(rest))) return { ...base, kind: 'rule', text: null, handle: Number(r[1]), verdict: r[2]! };
  if ((r = /^rule (.*) \(verdict ([^)]+)\)$/.exec(rest))) return { ...base, kind: 'rule', text: r[1]!, handle: null, verdict: r[2]! };
  if ((r = /^policy (\S+)$/.exec(rest.trim()))) return { ...base, kind: 'policy', handle: null, text: null, verdict: r[1]! };
  if ((r = /^verdict (.+)$/.exec(rest.trim()))) return { ...base, kind: 'return', handle: null, text: null, verdict: r[1]! };
  return null;
}

const field = (packet: string, name: string) => new RegExp(`(?:^| )${name} "([^"]+)"`).exec(packet)?.[1] ?? null;

/** Groups events by trace id, in order; steps in tables whose name `skipTables` accepts (the tracer's own) are left out. */
export function tracedPackets(events: TraceEvent[], skipTable: (table: string) => boolean = () => false): TracedPacket[] {
  const byId = new Map<string, TracedPacket>();
  for (const e of events) {
    let p = byId.get(e.id);
    if (!p) {
      p = { id: e.id, packet: '', iif: null, oif: null, steps: [], verdict: 'accept', decidedBy: null };
      byId.set(e.id, p);
    }
    if (e.packet !== undefined) {
      if (!p.packet) Object.assign(p, { packet: e.packet, iif: field(e.packet, 'iif'), oif: field(e.packet, 'oif') });
      continue;
    }
    if (skipTable(e.table) || !e.kind) continue;
    p.steps.push({ family: e.family, table: e.table, chain: e.chain, kind: e.kind, handle: e.handle ?? null, text: e.text ?? null, verdict: e.verdict! });
  }
  for (const p of byId.values()) {
    const drop = p.steps.find((s) => s.verdict === 'drop');
    const accepts = p.steps.filter((s) => s.verdict === 'accept');
    p.verdict = drop ? 'drop' : 'accept';
    p.decidedBy = drop ?? accepts[accepts.length - 1] ?? null;
  }
  return [...byId.values()];
}
