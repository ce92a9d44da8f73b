/**
 * tsdiag(1) in roff, from the same texts --help prints: the top-level usage
 * (its sections become the page's), then each command's usage whole. Text is
 * kept as written (no fill), so the page reads as --help does.
 */
export interface ManInput {
  /** `tsdiag --help` */
  topUsage: string;
  commands: ReadonlyArray<{ name: string; summary: string; usage: string }>;
  version: string;
}

/** A line of text as roff takes it literally: backslashes, leading dots and quotes, minus signs. */
export function roffLine(line: string): string {
  const escaped = line.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

const verbatim = (lines: string[]) => ['.nf', ...lines.map(roffLine), '.fi'];

const TITLES: Record<string, string> = { 'EXIT CODES': 'EXIT STATUS' };

/** Splits `Heading:` lines at column 0 into sections (the text before the first is the preamble). */
function sections(text: string): { preamble: string[]; parts: Array<{ title: string; lines: string[] }> } {
  const preamble: string[] = [];
  const parts: Array<{ title: string; lines: string[] }> = [];
  for (const line of text.replace(/\n+$/, '').split('\n')) {
    // `Commands:` heads the indented lines below it; `Exit codes: ...` is a section of one line
    const heading = /^([A-Z][A-Za-z ]*):(?: (.*))?$/.exec(line);
    if (heading) parts.push({ title: TITLES[heading[1]!.toUpperCase()] ?? heading[1]!.toUpperCase(), lines: heading[2] ? [heading[2]] : [] });
    else if (parts.length) parts.at(-1)!.lines.push(line);
    else preamble.push(line);
  }
  return { preamble, parts };
}

const trimBlank = (lines: string[]) => {
  const out = [...lines];
  while (out.length && !out[0]!.trim()) out.shift();
  while (out.length && !out.at(-1)!.trim()) out.pop();
  return out;
};

export function manPage(m: ManInput): string {
  const { preamble, parts } = sections(m.topUsage);
  const synopsis = preamble.find((l) => l.startsWith('Usage:'))?.replace(/^Usage:\s*/, '') ?? 'tsdiag COMMAND';
  const description = trimBlank(preamble.filter((l) => !l.startsWith('Usage:')));
  const out = [
    `.TH TSDIAG 1 "" "tsdiag ${m.version}" "User Commands"`,
    '.SH NAME',
    'tsdiag \\- troubleshooting toolkit for container networks',
    '.SH SYNOPSIS',
    ...verbatim([synopsis]),
    '.SH DESCRIPTION',
    ...verbatim(description),
  ];
  for (const p of parts) {
    if (p.title === 'COMMANDS') continue;
    out.push(`.SH ${p.title}`, ...verbatim(trimBlank(p.lines)));
  }
  out.push('.SH COMMANDS');
  for (const c of m.commands) {
    out.push(`.SS ${roffLine(`tsdiag ${c.name}`)}`, roffLine(c.summary), '.PP', ...verbatim(trimBlank(c.usage.split('\n'))));
  }
  out.push('.SH SEE ALSO', 'ip(8), iptables(8), nft(8), tcpdump(8), docker(1)');
  return out.join('\n') + '\n';
}
