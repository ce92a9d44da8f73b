import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { wrapInNetns, type Where } from './exec.js';

/**
 * A process that outlives tsdiag: started detached (its own session), output
 * to a log file or nowhere, unref'd so this process can exit first. Used for
 * the DNS server, the lab's helper processes and containers' commands.
 */
export interface DetachedOptions extends Where {
  /** start through `ip netns exec` so /etc/netns/<ns>/* is seen (a container's resolver file) */
  withEtc?: boolean;
  /** stdout and stderr appended to this file (default: discarded) */
  logFile?: string | null;
  env?: NodeJS.ProcessEnv;
  /** the child's pid written here once it runs */
  pidFile?: string | null;
}

export type Readiness = 'ready' | 'exited' | 'timeout';

export class DetachedProcess {
  private code: number | null = null;

  constructor(private readonly child: ChildProcess) {
    child.on('exit', (code) => (this.code = code ?? 1));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The exit code once it has ended (seen while this process waits in waitUntil()), else null. */
  get exitCode(): number | null {
    return this.code;
  }

  /** Polls `ready` until it holds, the process ends, or timeoutMs passes. */
  async waitUntil(ready: () => boolean | Promise<boolean>, opts: { timeoutMs: number; pollMs: number }): Promise<Readiness> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (await ready()) return 'ready';
      if (this.code !== null) return 'exited';
      if (Date.now() >= deadline) return 'timeout';
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
  }
}

/** Starts cmd detached; resolves once it runs (rejects when it cannot start: no such command). */
export async function startDetached(cmd: string, args: string[], opts: DetachedOptions = {}): Promise<DetachedProcess> {
  const [file, argv] = wrapInNetns(cmd, args, opts);
  const fd = opts.logFile ? fs.openSync(opts.logFile, 'a') : null;
  let child: ChildProcess;
  try {
    child = spawn(file, argv, { detached: true, stdio: fd === null ? 'ignore' : ['ignore', fd, fd], env: opts.env });
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  const started = new DetachedProcess(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', resolve);
  });
  child.unref();
  if (opts.pidFile) fs.writeFileSync(opts.pidFile, `${started.pid}\n`);
  return started;
}
