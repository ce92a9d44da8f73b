/**
 * For tests of a machine where the tsdiag-native addon did not build:
 * `vi.mock('node:module', (orig) => import('../helpers/addon-hidden.js').then((m) => m.withoutAddon(orig)))`
 * makes every createRequire() fail to load it, as a missing build does.
 */
export async function withoutAddon(importOriginal: <T>() => Promise<T>) {
  const actual = await importOriginal<typeof import('node:module')>();
  const createRequire: typeof actual.createRequire = (from) => {
    const real = actual.createRequire(from);
    return Object.assign((id: string) => {
      if (id === 'tsdiag-native') throw new Error(`Cannot find module '${id}'\nRequire stack: ...`);
      return real(id);
    }, real);
  };
  return { ...actual, default: { ...actual, createRequire }, createRequire };
}

/** The error a call threw (fails the test when it did not throw). */
export function thrown(fn: () => unknown): { name: string; code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { name: string; code?: string; message: string };
  }
  throw new Error('did not throw');
}
