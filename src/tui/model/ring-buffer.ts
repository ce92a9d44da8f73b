/** The newest `capacity` items; older ones fall out. `total` counts every item ever pushed. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;
  total = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.total++;
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** the newest `n` items (or all), oldest first; `skipNewest` items are left out at the end (scrolling back) */
  tail(n = this.count, skipNewest = 0): T[] {
    const end = Math.max(0, this.count - skipNewest);
    const from = Math.max(0, end - n);
    const out: T[] = [];
    for (let i = from; i < end; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }

  clear(): void {
    this.items = new Array(this.capacity);
    this.start = 0;
    this.count = 0;
  }
}
