import type { HostRef } from '../netcore/host.js';

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliContext extends CliIO {
  /** where kernel operations run: the machine's own namespace, or --host-netns / TSDIAG_HOST_NETNS */
  host: HostRef;
  env: NodeJS.ProcessEnv;
}

/**
 * One CLI command. `run` gets the arguments after its own name and returns the
 * exit code: 0 done, 1 the operation failed, 2 bad input (throw UsageError for that).
 */
export interface Command {
  name: string;
  summary: string;
  usage: string; // the full --help text
  run(args: string[], ctx: CliContext): Promise<number>;
}
