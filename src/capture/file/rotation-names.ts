/**
 * tcpdump 4.99's names for -C/-G/-W output files (its MakeFilename): with -G
 * the -w name is a strftime template of the local time the file was opened;
 * with -C a number is appended (none on the first file unless -W is given),
 * zero-padded to the digits of COUNT - 1.
 */

/** digits of the largest file number of a ring of `files` (tcpdump's getWflagChars: -W 10 → 1, -W 11 → 2) */
export function ringDigits(files: number | null): number {
  let x = (files ?? 0) - 1;
  let digits = 0;
  while (x > 0) {
    digits++;
    x = Math.floor(x / 10);
  }
  return digits;
}

/** the name of file `index`; `openedAt` (with -G) fills the template's strftime fields */
export function rotationFileName(template: string, index: number, digits: number, openedAt: Date | null): string {
  const base = openedAt ? strftime(template, openedAt) : template;
  if (index === 0 && digits === 0) return base;
  return base + String(index).padStart(digits, '0');
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function zoneName(d: Date): string {
  return new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** C strftime in local time for the conversions a file name uses; an unknown one stays as written (as glibc leaves it) */
export function strftime(format: string, d: Date): string {
  const field = (c: string): string | null => {
    const h = d.getHours();
    switch (c) {
      case 'Y': return String(d.getFullYear());
      case 'y': return pad(d.getFullYear() % 100);
      case 'C': return pad(Math.floor(d.getFullYear() / 100));
      case 'm': return pad(d.getMonth() + 1);
      case 'd': return pad(d.getDate());
      case 'e': return pad(d.getDate(), 2, ' ');
      case 'H': return pad(h);
      case 'I': return pad(h % 12 || 12);
      case 'M': return pad(d.getMinutes());
      case 'S': return pad(d.getSeconds());
      case 'p': return h < 12 ? 'AM' : 'PM';
      case 'j': return pad(dayOfYear(d), 3);
      case 'a': return DAYS[d.getDay()]!.slice(0, 3);
      case 'A': return DAYS[d.getDay()]!;
      case 'b':
      case 'h': return MONTHS[d.getMonth()]!.slice(0, 3);
      case 'B': return MONTHS[d.getMonth()]!;
      case 'u': return String(d.getDay() || 7);
      case 'w': return String(d.getDay());
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'F': return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      case 'T': return `${pad(h)}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      case 'R': return `${pad(h)}:${pad(d.getMinutes())}`;
      case 'D': return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
      case 'z': return utcOffset(d);
      case 'Z': return zoneName(d);
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return null;
    }
  };
  return format.replace(/%(.)/gs, (whole, c: string) => field(c) ?? whole);
}
