import { spawn } from 'node:child_process';
import { wrapInNetns, type Where } from './exec.js';

/**
 * A long-running tool (a monitor) whose stdout is read line by line; exec's
 * run() only returns once a tool has ended. Started through nsenter, which
 * execs the tool itself, so the pid is the tool's.
 */
export interface LineProcess {
  readonly pid: number | undefined;
  /** resolves with the exit code (or null when killed) */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<void>;
}

export function startLineProcess(cmd: string, args: string[], at: Where, onLine: (line: string) => void): LineProcess {
  const [file, argv] = wrapInNetns(cmd, args, at);
  const child = spawn(file, argv, { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { err += chunk; });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => { err += `${e.message}\n`; resolve(null); });
    child.on('close', (code) => {
      if (partial) onLine(partial);
      resolve(code);
    });
  });
  return {
    pid: child.pid,
    exited,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(killer);
    },
  };
}
