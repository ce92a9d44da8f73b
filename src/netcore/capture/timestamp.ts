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
const pad6 = (n: number) => `${n}`.padStart(6, '0');

/** Formats packet times; keeps the reference time for the relative styles and caches the per-second text. */
export class TimestampFormatter {
  private refSec = -1;
  private refUsec = 0;
  private cachedSec = -1;
  private cachedText = '';

  constructor(readonly style: TimestampStyle) {}

  /** the text in front of a packet line, with its trailing space ('' for -t) */
  format(sec: number, usec: number): string {
    switch (this.style) {
      case 'none':
        return '';
      case 'epoch':
        return `${sec}.${pad6(usec)} `;
      case 'time':
      case 'date':
        return `${this.secondText(sec)}.${pad6(usec)} `;
      case 'delta':
      case 'sinceFirst': {
        if (this.refSec < 0) {
          this.refSec = sec;
          this.refUsec = usec;
        }
        const text = relative(sec, usec, this.refSec, this.refUsec);
        if (this.style === 'delta') {
          this.refSec = sec;
          this.refUsec = usec;
        }
        return text;
      }
    }
  }

  private secondText(sec: number): string {
    if (sec !== this.cachedSec) {
      const d = new Date(sec * 1000);
      const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
      this.cachedText = this.style === 'date' ? `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hms}` : hms;
      this.cachedSec = sec;
    }
    return this.cachedText;
  }
}

function relative(sec: number, usec: number, refSec: number, refUsec: number): string {
  let total = (sec - refSec) * 1_000_000 + (usec - refUsec);
  const sign = total < 0 ? '-' : ' ';
  if (total < 0) total = -total;
  const s = Math.floor(total / 1_000_000);
  const us = total % 1_000_000;
  return `${sign}${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}.${pad6(us)} `;
}
