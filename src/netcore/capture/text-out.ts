/**
 * Lines gathered into large writes (tcpdump's stdio buffering): one string
 * per 64 KiB instead of one write per packet.
 */
export class TextOut {
  private pending = '';

  constructor(private readonly stream: NodeJS.WritableStream, private readonly chunkSize = 1 << 16) {}

  line(text: string): void {
    this.pending += text + '\n';
    if (this.pending.length >= this.chunkSize) this.push();
  }

  /** waits while the stream is full, so memory stays bounded */
  async drain(): Promise<void> {
    if (this.needsDrain) {
      this.needsDrain = false;
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    }
  }

  async flush(): Promise<void> {
    this.push();
    await this.drain();
  }

  /** flush without waiting (live capture, between packet batches) */
  push(): void {
    if (!this.pending) return;
    if (!this.stream.write(this.pending)) this.needsDrain = true;
    this.pending = '';
  }

  private needsDrain = false;
}
