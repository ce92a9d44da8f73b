/** Milliseconds of the machine's monotonic clock (CLOCK_MONOTONIC): the same in every process and namespace. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
