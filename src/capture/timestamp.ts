import type { LineText } from './decode/line-text.js';

/** tcpdump's timestamp styles: default (time of day), -t none, -tt epoch, -ttt since previous, -tttt date, -ttttt since first. */
export type TimestampStyle = 'time' | 'none' | 'epoch' | 'delta' | 'date' | 'sinceFirst';

export const TIMESTAMP_FLAGS: Record<string, TimestampStyle> = {
  '-t': 'none',
  '-tt': 'epoch',
  '-ttt': 'delta',
  '-tttt': 'date',
  '-ttttt': 'sinceFirst',
};

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Writes packet times; keeps the reference time for the relative styles and caches the per-second text. */
export class TimestampFormatter {
  private refSec = -1;
  private refUsec = 0;
  private cachedSec = -1;
  private cachedText = '';

  constructor(readonly style: TimestampStyle) {}

  /** the text in front of a packet line, with its trailing space (nothing for -t) */
  write(out: LineText, sec: number, usec: number): void {
    switch (this.style) {
      case 'none':
        return;
      case 'epoch':
        out.dec(sec);
        break;
      case 'time':
      case 'date':
        // the cached text ends with the dot
        out.str(this.secondText(sec));
        out.dec(usec, 6);
        out.ch(0x20);
        return;
      case 'delta':
      case 'sinceFirst': {
        if (this.refSec < 0) {
          this.refSec = sec;
          this.refUsec = usec;
        }
        const total = (sec - this.refSec) * 1_000_000 + (usec - this.refUsec);
        if (this.style === 'delta') {
          this.refSec = sec;
          this.refUsec = usec;
        }
        writeRelative(out, total);
        return;
      }
    }
    out.ch(0x2e);
    out.dec(usec, 6);
    out.ch(0x20);
  }

  private secondText(sec: number): string {
    if (sec !== this.cachedSec) {
      const d = new Date(sec * 1000);
      const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
      this.cachedText = `${this.style === 'date' ? `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hms}` : hms}.`;
      this.cachedSec = sec;
    }
    return this.cachedText;
  }
}

/** ` HH:MM:SS.ffffff ` (a '-' in front instead of the space when negative) for a difference in microseconds */
function writeRelative(out: LineText, total: number): void {
  out.ch(total < 0 ? 0x2d : 0x20);
  if (total < 0) total = -total;
  const s = Math.floor(total / 1_000_000);
  out.dec(Math.floor(s / 3600), 2);
  out.ch(0x3a);
  out.dec(Math.floor((s % 3600) / 60), 2);
  out.ch(0x3a);
  out.dec(s % 60, 2);
  out.ch(0x2e);
  out.dec(total % 1_000_000, 6);
  out.ch(0x20);
}
