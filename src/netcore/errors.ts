/** Bad input or environment (unknown name, bad CIDR, missing capability): exit code 2, nothing changed. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The operation was valid but failed on the way (a kernel step, a timeout): exit code 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationError';
  }
}

/** By name too: the TUI runs from tsc's modules, the CLI from its bundle (a class of each). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || (err instanceof Error && err.name === 'UsageError')) return 2;
  return 1;
}
