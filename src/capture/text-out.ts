import { LineText } from './decode/line-text.js';

/**
 * Lines gathered into large writes (tcpdump's stdio buffering): printers
 * write their bytes straight into `text`, and each 64 KiB goes to the stream
 * as one Buffer; with `eachLine` (-l, -U) every line goes at once.
 */
export class TextOut {
  /** where printers write; end each line with endLine() */
  readonly text: LineText;
  private needsDrain = false;

  private readonly chunkSize: number;

  constructor(private readonly stream: NodeJS.WritableStream, opts: { chunkSize?: number; eachLine?: boolean } = {}) {
    const size = opts.chunkSize ?? 1 << 16;
    this.text = new LineText(size + (size >> 1));
    this.chunkSize = opts.eachLine ? 1 : size;
  }

  line(text: string): void {
    this.text.str(text);
    this.endLine();
  }

  endLine(): void {
    this.text.ch(0x0a);
    if (this.text.pos >= this.chunkSize) this.push();
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
    if (this.text.pos === 0) return;
    if (!this.stream.write(this.text.take())) this.needsDrain = true;
  }
}
