import { run, type Where } from './exec.js';

/** A link's root qdisc and, when it shapes, the rate it lets through (tbf's own, the slowest class of an htb). */
export interface Qdisc {
  dev: string;
  kind: string;
  /** bits per second; null: it does not limit the rate (noqueue, pfifo_fast, ...) */
  rateBps: number | null;
}

interface TcQdisc { kind: string; dev: string; root?: boolean; options?: { rate?: number } }
interface TcClass { class: string; dev?: string; rate?: number }

/** The root qdiscs of a namespace's links (`tc -j qdisc show`); [] where tc cannot read it. */
export async function readQdiscs(at: Where = {}): Promise<Qdisc[]> {
  const res = await run('tc', ['-j', 'qdisc', 'show'], { ...at, reject: false });
  if (res.exitCode !== 0) return [];
  const roots = (parseJson<TcQdisc[]>(res.stdout) ?? []).filter((q) => q.root);
  return Promise.all(roots.map(async (q) => ({
    dev: q.dev,
    kind: q.kind,
    // tc -j prints rates in bytes per second
    rateBps: q.kind === 'tbf' && q.options?.rate ? q.options.rate * 8 : q.kind === 'htb' ? await htbRate(q.dev, at) : null,
  })));
}

/** An htb shapes by its classes: the slowest leaf is what a single flow can get at worst. */
async function htbRate(dev: string, at: Where): Promise<number | null> {
  const res = await run('tc', ['-j', 'class', 'show', 'dev', dev], { ...at, reject: false });
  const rates = (parseJson<TcClass[]>(res.stdout) ?? []).map((c) => c.rate).filter((r): r is number => typeof r === 'number' && r > 0);
  return rates.length ? Math.min(...rates) * 8 : null;
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
