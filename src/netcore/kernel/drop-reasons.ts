import fs from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors.js';
import { run } from './exec.js';
import { withSignalCleanup } from './signal-cleanup.js';

/**
 * The kernel's own reason for each packet it frees as dropped, from the
 * skb:kfree_skb tracepoint in a private tracefs instance (global tracing is
 * untouched; the instance goes at the end, also on failure or a signal).
 *
 * Attribution: the event carries no namespace, device or address (skbaddr,
 * location, rx_sk, protocol, reason on 6.x), so a drop is the probe's only
 * by time window (enabled for fn's duration), protocol (an in-kernel filter
 * on the ethertype) and, for a locally sent probe, the pid that was running
 * (common_pid: the sender for drops in its own softirq, as veth delivers
 * there). Drops of other IPv4 packets on the machine in the same window
 * cannot be told apart; `pids` marks the ones seen in the probe's process.
 */
export const TRACEFS = '/sys/kernel/tracing';

export interface DropEvent {
  comm: string;
  pid: number;
  cpu: number;
  /** seconds, the trace clock's */
  time: number;
  protocol: number;
  /** the kernel function that freed the packet, without offset */
  location: string;
  /** the enum skb_drop_reason name as the kernel prints it (NO_SOCKET, IP_RPFILTER, NEIGH_FAILED ...) */
  reason: string;
}

export interface DropReason {
  reason: string;
  location: string;
  count: number;
  /** how many of them ran in one of the given pids */
  inPids: number;
}

export interface DropReasonOptions {
  /** the ethertype to keep: 0x0800 IPv4 (default), 0x86dd IPv6, 0x0806 ARP */
  protocol?: number;
  /** pids of the probe's processes */
  pids?: number[];
  /** keep NOT_SPECIFIED drops too (default false: they name no cause) */
  unspecified?: boolean;
}

const LINE = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): kfree_skb: .*?protocol=(\d+) location=(\S+) reason: (\S+)/;

export function parseDropTrace(text: string): DropEvent[] {
  const out: DropEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ comm: m[1]!.trim(), pid: Number(m[2]), cpu: Number(m[3]), time: Number(m[4]), protocol: Number(m[5]), location: m[6]!.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, ''), reason: m[7]! });
  }
  return out;
}

export function summarizeDrops(events: DropEvent[], opts: DropReasonOptions = {}): DropReason[] {
  const pids = new Set(opts.pids ?? []);
  const byKey = new Map<string, DropReason>();
  for (const e of events) {
    if (e.reason === 'NOT_SPECIFIED' && !opts.unspecified) continue;
    const k = `${e.reason} ${e.location}`;
    const r = byKey.get(k) ?? { reason: e.reason, location: e.location, count: 0, inPids: 0 };
    r.count++;
    if (pids.has(e.pid)) r.inPids++;
    byKey.set(k, r);
  }
  return [...byKey.values()].sort((a, b) => b.inPids - a.inPids || b.count - a.count);
}

/** Mounts tracefs at /sys/kernel/tracing when it is not mounted yet. */
export async function ensureTracefs(): Promise<void> {
  if (fs.existsSync(path.join(TRACEFS, 'instances'))) return;
  await run('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
  if (!fs.existsSync(path.join(TRACEFS, 'instances'))) throw new OperationError(`tracefs at ${TRACEFS} has no instances directory`);
}

export const INSTANCE_PREFIX = 'tsdiag-';
let seq = 0;

/** The kfree_skb events of fn's duration, with the drops counted by reason and location. */
export async function withDropReasons<T>(fn: () => Promise<T>, opts: DropReasonOptions = {}): Promise<{ value: T; reasons: DropReason[]; events: DropEvent[] }> {
  const protocol = opts.protocol ?? 0x0800;
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 0xffff) throw new OperationError(`invalid ethertype ${protocol}`);
  await ensureTracefs();
  const dir = path.join(TRACEFS, 'instances', `${INSTANCE_PREFIX}${process.pid}-${++seq}`);
  const event = path.join(dir, 'events', 'skb', 'kfree_skb');
  let text = '';
  const remove = async () => {
    try {
      fs.writeFileSync(path.join(event, 'enable'), '0');
    } catch {
      // not made, or already gone
    }
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  const value = await withSignalCleanup(remove, async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'buffer_size_kb'), '256');
    fs.writeFileSync(path.join(event, 'filter'), `protocol == ${protocol}`);
    fs.writeFileSync(path.join(event, 'enable'), '1');
    try {
      return await fn();
    } finally {
      fs.writeFileSync(path.join(event, 'enable'), '0');
      text = fs.readFileSync(path.join(dir, 'trace'), 'utf8');
    }
  });
  const events = parseDropTrace(text);
  return { value, reasons: summarizeDrops(events, opts), events };
}
