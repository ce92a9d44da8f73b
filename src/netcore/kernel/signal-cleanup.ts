const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs fn and then cleanup, also when fn throws or the process gets SIGINT,
 * SIGTERM or SIGHUP meanwhile: the handlers are installed for fn's duration
 * only; on a signal, cleanup runs, the handlers go and the signal is raised
 * again so the process ends (or its other handlers run) as it would have.
 */
export async function withSignalCleanup<T>(cleanup: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  let done: Promise<void> | null = null;
  const once = () => (done ??= cleanup().catch(() => undefined));
  const remove = () => { for (const sig of SIGNALS) process.removeListener(sig, onSignal); };
  function onSignal(sig: NodeJS.Signals): void {
    void once().then(() => {
      remove();
      process.kill(process.pid, sig);
    });
  }
  for (const sig of SIGNALS) process.on(sig, onSignal);
  try {
    return await fn();
  } finally {
    await once();
    remove();
  }
}
