import { isIP } from 'node:net';
import { OperationError, UsageError } from '../../errors.js';
import { validateIfName } from '../../validate.js';
import { run, type Where } from '../exec.js';
import { startLineProcess } from '../line-process.js';
import { withSignalCleanup } from '../signal-cleanup.js';
import { parseTraceLine, tracedPackets, type TraceEvent, type TracedPacket } from './trace-events.js';

/** The probe's packets: only these get `meta nftrace set 1` (both directions: the reply swaps addresses and ports). */
export interface ProbeMatch {
  proto: 'tcp' | 'udp' | 'icmp';
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
}

export interface TraceOptions {
  /** also trace bridged frames (a bridge family table on prerouting/output); default true */
  bridge?: boolean;
  /** devices whose netdev ingress hook is traced too (drops there come before every other hook) */
  ingressDevices?: string[];
  /** how long to wait for the monitor to print our table's creation (its subscription is then live) */
  readyTimeoutMs?: number;
  /** each trace event as the monitor prints it (the caller may stop waiting on a drop) */
  onEvent?: (e: TraceEvent) => void;
}

export interface TraceTiming {
  /** monitor start and table creation until the monitor is seen to listen */
  setupMs: number;
  /** table removal, the monitor's last events and its exit */
  teardownMs: number;
  /** from fn's start until the first trace event arrived (null: none arrived) */
  firstEventMs: number | null;
}

export interface TraceResult<T> {
  value: T;
  packets: TracedPacket[];
  timing: TraceTiming;
}

/** Runs below every usual priority (raw -300, conntrack -200, netdev users' own) so the mark is set before any rule can drop. */
const TRACE_PRIORITY = -1000;
export const TRACE_TABLE_PREFIX = 'tsdiag_trace_';
let seq = 0;

function addr(ip: string, dir: 'saddr' | 'daddr'): string {
  const v = isIP(ip);
  if (!v) throw new UsageError(`invalid probe address "${ip}"`);
  return `${v === 4 ? 'ip' : 'ip6'} ${dir} ${ip}`;
}

function port(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`invalid probe ${what} ${n}`);
  return n;
}

/** The selector of one direction, as nft rule text from validated parts only. */
export function matchExpr(m: ProbeMatch, reply = false): string {
  const [src, dst] = reply ? [m.dst, m.src] : [m.src, m.dst];
  const [sport, dport] = reply ? [m.dport, m.sport] : [m.sport, m.dport];
  const v6 = [src, dst].some((a) => a !== undefined && isIP(a) === 6);
  const parts: string[] = [];
  if (src !== undefined) parts.push(addr(src, 'saddr'));
  if (dst !== undefined) parts.push(addr(dst, 'daddr'));
  if (m.proto === 'icmp') parts.push(`meta l4proto ${v6 ? 'ipv6-icmp' : 'icmp'}`);
  else if (m.proto === 'tcp' || m.proto === 'udp') {
    if (sport === undefined && dport === undefined) parts.push(`meta l4proto ${m.proto}`);
    if (sport !== undefined) parts.push(`${m.proto} sport ${port(sport, 'source port')}`);
    if (dport !== undefined) parts.push(`${m.proto} dport ${port(dport, 'port')}`);
  } else throw new UsageError(`invalid probe protocol "${String(m.proto)}"`);
  return parts.join(' ');
}

function chainText(name: string, hook: string, m: ProbeMatch, device?: string[]): string {
  const dev = device ? ` devices = { ${device.map((d) => `"${validateIfName(d)}"`).join(', ')} }` : '';
  return `  chain ${name} {\n    type filter hook ${hook}${dev} priority ${TRACE_PRIORITY};\n    ${matchExpr(m)} meta nftrace set 1\n    ${matchExpr(m, true)} meta nftrace set 1\n  }\n`;
}

/** The `nft -f` script of the tracer's tables: inet always, bridge and netdev when asked. */
export function traceTablesScript(table: string, m: ProbeMatch, opts: TraceOptions = {}): { script: string; tables: string[] } {
  const tables = [`inet ${table}`];
  let script = `table inet ${table} {\n${chainText('pre', 'prerouting', m)}${chainText('out', 'output', m)}}\n`;
  if (opts.bridge !== false) {
    tables.push(`bridge ${table}`);
    script += `table bridge ${table} {\n${chainText('pre', 'prerouting', m)}${chainText('out', 'output', m)}}\n`;
  }
  if (opts.ingressDevices?.length) {
    tables.push(`netdev ${table}`);
    script += `table netdev ${table} {\n${chainText('ing', 'ingress', m, opts.ingressDevices)}}\n`;
  }
  return { script, tables };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * Traces the probe's packets through every nf_tables hook of one namespace
 * while fn runs: a tsdiag-owned table marks them (meta nftrace set 1) and
 * `nft -a monitor` prints each rule they meet with its handle and verdict.
 * The tables go and the monitor stops in every case: after fn, when fn
 * throws, and on SIGINT/SIGTERM/SIGHUP meanwhile. iptables-legacy rules are
 * not nf_tables rules and never show up here.
 */
export async function withNftTrace<T>(where: string | null | Where, match: ProbeMatch, fn: () => Promise<T>, opts: TraceOptions = {}): Promise<TraceResult<T>> {
  // a named namespace, or any namespace file (a Docker container's /proc/PID/ns/net)
  const at: Where = typeof where === 'string' || where === null ? { netns: where } : where;
  const table = `${TRACE_TABLE_PREFIX}${process.pid}_${++seq}`;
  const { script, tables } = traceTablesScript(table, match, opts);
  const events: TraceEvent[] = [];
  let listening = false;
  let deleted = false;
  let fnStart: number | null = null;
  let firstEventAt: number | null = null;
  const t0 = performance.now();
  const monitor = startLineProcess('nft', ['-a', 'monitor'], at, (line) => {
    if (line.startsWith('trace id ')) {
      const e = parseTraceLine(line);
      if (e) {
        events.push(e);
        opts.onEvent?.(e);
      }
      if (fnStart !== null && firstEventAt === null) firstEventAt = performance.now();
    } else if (line.startsWith('add ') && line.includes(` inet ${table}`)) listening = true;
    else if (line.startsWith(`delete table inet ${table}`)) deleted = true;
  });

  const setup = (async () => {
    await run('nft', ['-f', '-'], { ...at, input: script });
    // the monitor subscribes once it has read the ruleset: when our table came first, a chain added later shows it listening
    const deadline = performance.now() + (opts.readyTimeoutMs ?? 3000);
    for (let k = 0; !(await waitFor(() => listening, 100)); k++) {
      if (performance.now() > deadline) throw new OperationError(`nft monitor did not start listening: ${monitor.stderr().trim() || 'no output'}`);
      await run('nft', ['add', 'chain', 'inet', table, `ready${k}`], at);
    }
  })();

  let teardownStart = 0;
  const teardown = async () => {
    await setup.catch(() => undefined);
    teardownStart = performance.now();
    const all = await run('nft', ['-f', '-'], { ...at, input: tables.map((t) => `delete table ${t}\n`).join(''), reject: false });
    if (all.exitCode !== 0) for (const t of tables) await run('nft', ['delete', 'table', ...t.split(' ')], { ...at, reject: false });
    // the monitor prints the deletion after every trace event queued before it
    await waitFor(() => deleted, 1000);
    await monitor.stop();
  };

  const value = await withSignalCleanup(teardown, async () => {
    await setup;
    fnStart = performance.now();
    return fn();
  });
  return {
    value,
    packets: tracedPackets(events, (t) => t.startsWith(TRACE_TABLE_PREFIX)),
    timing: {
      setupMs: (fnStart ?? t0) - t0,
      teardownMs: performance.now() - teardownStart,
      firstEventMs: firstEventAt !== null && fnStart !== null ? firstEventAt - fnStart : null,
    },
  };
}
