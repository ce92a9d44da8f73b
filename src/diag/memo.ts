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

/**
 * Facts one check learns mid-run that another may stop waiting on (the
 * firewall trace saw the SYN that reach.tcp still waits for dropped): heard()
 * resolves when told, and never otherwise.
 */
export class Tidings {
  private readonly waiting = new Map<string, { promise: Promise<void>; tell: () => void }>();

  private entry(key: string) {
    let e = this.waiting.get(key);
    if (!e) {
      let tell!: () => void;
      const promise = new Promise<void>((r) => (tell = r));
      e = { promise, tell };
      this.waiting.set(key, e);
    }
    return e;
  }

  tell(key: string): void {
    this.entry(key).tell();
  }

  heard(key: string): Promise<void> {
    return this.entry(key).promise;
  }
}

/** The tiding that nftrace saw a SYN to addr:port dropped (a connect still waiting there will time out). */
export const tcpDropTiding = (addr: string, port: number): string => `tcp-dropped ${addr} ${port}`;
