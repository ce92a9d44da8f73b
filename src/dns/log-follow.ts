import fs from 'node:fs';
import path from 'node:path';
import { hostStateDir, type HostRef } from '../netcore/host.js';

/** The query log file `tsdiag dns serve` writes when started in the background (`tsdiag dns log` reads it). */
export const queryLogFile = (host: HostRef) => path.join(hostStateDir(host), 'dns.log');

/** One query log line read back (see log.ts for the format); type and rcode stay as the log names them. */
export interface QueryLogRecord {
  time: Date;
  transport: string;
  client: string;
  name: string;
  type: string;
  rcode: string;
  answers: string[];
  micros: number;
}

const LINE = /^(\S+Z) (udp|tcp) (\S+) (\S+) (\S+) ([A-Z0-9]+) (\S+) (\d+)us$/;

/** A query line of the log, or null for anything else the log holds (the server's own notes). */
export function parseQueryLogLine(line: string): QueryLogRecord | null {
  const m = LINE.exec(line.trim());
  if (!m) return null;
  const time = new Date(m[1]!);
  if (Number.isNaN(time.getTime())) return null;
  return { time, transport: m[2]!, client: m[3]!, name: m[4]!, type: m[5]!, rcode: m[6]!, answers: m[7] === '-' ? [] : m[7]!.split(','), micros: Number(m[8]) };
}

/** NOERROR with answers, or NOERROR without (NODATA), or an error rcode */
export function queryOutcome(r: QueryLogRecord): 'ok' | 'nodata' | 'error' {
  if (r.rcode !== 'NOERROR') return 'error';
  return r.answers.length ? 'ok' : 'nodata';
}

export interface QueryLogFollower {
  close(): void;
}

export interface FollowQueryLogOptions {
  pollMs?: number;
  /** how much of the existing log to read first (the newest part) */
  backlogBytes?: number;
}

/**
 * Reads what was appended to a file since the last call. The file may not exist
 * yet, and starts again from its beginning when it was replaced (it shrank).
 * The first read starts `backlogBytes` before the end (all of it when absent).
 */
export function fileTail(file: string, opts: { backlogBytes?: number } = {}): { read(): { text: string; restarted: boolean } } {
  let offset = -1;
  return {
    read() {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return { text: '', restarted: false };
      }
      try {
        const size = fs.fstatSync(fd).size;
        let restarted = false;
        if (offset < 0 || size < offset) {
          offset = offset < 0 && opts.backlogBytes !== undefined ? Math.max(0, size - opts.backlogBytes) : 0;
          restarted = true;
        }
        const chunks: string[] = [];
        while (offset < size) {
          const buf = Buffer.alloc(Math.min(size - offset, 1 << 20));
          const n = fs.readSync(fd, buf, 0, buf.length, offset);
          if (n <= 0) break;
          offset += n;
          chunks.push(buf.toString('utf8', 0, n));
        }
        return { text: chunks.join(''), restarted };
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

/**
 * Follows a query log as `tsdiag dns log -f` does (polling: the file may not
 * exist yet, and is replaced when the server restarts), handing over the
 * query lines that appeared since the last look. Partial last lines wait for
 * their end.
 */
export function followQueryLog(file: string, onRecords: (records: QueryLogRecord[]) => void, opts: FollowQueryLogOptions = {}): QueryLogFollower {
  const tail = fileTail(file, { backlogBytes: opts.backlogBytes ?? 256 << 10 });
  let partial = '';
  const readNew = () => {
    const { text, restarted } = tail.read();
    if (restarted) partial = '';
    if (!text) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    const records = lines.map(parseQueryLogLine).filter((r): r is QueryLogRecord => r !== null);
    if (records.length) onRecords(records);
  };
  readNew();
  const timer = setInterval(readNew, opts.pollMs ?? 250);
  return { close: () => clearInterval(timer) };
}
