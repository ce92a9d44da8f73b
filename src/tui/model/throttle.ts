/**
 * Calls `fn` at most once per `ms`, at the end of each window (trailing edge):
 * a burst of calls costs one call. Keeps a fast producer (10,000 packets/s)
 * from rendering more often than the screen can show.
 */
export function throttle(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  return {
    call() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
