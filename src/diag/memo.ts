/** Computes a value once per key and hands the same promise to every later asker (one doctor run). */
export class Memo {
  private readonly values = new Map<string, Promise<unknown>>();

  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.values.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.values.set(key, p);
    }
    return p;
  }
}
