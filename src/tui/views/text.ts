/** Wraps lines to a width at spaces (words longer than a line are cut); continuation lines are indented past the line's own indent. */
export function wrapLines(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  const w = Math.max(10, width);
  for (const line of lines) {
    const indent = ' '.repeat(Math.min(/^ */.exec(line)![0].length + 2, Math.floor(w / 2)));
    let rest = line;
    let first = true;
    while (rest.length) {
      const room = first ? w : w - indent.length;
      if (rest.length <= room) {
        out.push((first ? '' : indent) + rest);
        break;
      }
      const space = rest.lastIndexOf(' ', room);
      const cut = space > room / 3 ? space : room;
      out.push((first ? '' : indent) + rest.slice(0, cut));
      rest = rest.slice(cut).replace(/^ +/, '');
      first = false;
    }
  }
  return out;
}

/** The `height` lines of a list to show so that index `at` is visible (a window that scrolls with it). */
export function windowAround<T>(items: readonly T[], at: number, height: number): { items: T[]; first: number } {
  if (items.length <= height) return { items: [...items], first: 0 };
  const first = Math.min(Math.max(0, at - Math.floor(height / 2)), items.length - height);
  return { items: items.slice(first, first + height), first };
}

export function clip(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}
