import type { CheckResult, Status } from './check.js';
import type { DoctorReport } from './doctor.js';
import type { ServicePick } from './inventory/service-names.js';
import { drawLines } from './checks/path/draw.js';

const ORDER: Record<Status, number> = { fail: 0, warn: 1, pass: 2, skip: 3 };
const MARK: Record<Status, string> = { fail: 'FAIL', warn: 'WARN', pass: 'pass', skip: 'skip' };

export function progressLine(r: CheckResult): string {
  return `[${MARK[r.status]}] ${r.id.padEnd(24)} ${r.summary}`;
}

/** The report: failures first, each with evidence and fix; a last line with the counts. */
export function renderText(rep: DoctorReport): string {
  const lines: string[] = [`doctor ${named(rep.from, rep.services?.from)} -> ${named(rep.to, rep.services?.to)}${rep.port ? ` port ${rep.port}` : ''} (${rep.backend})`, ''];
  if (rep.unprobed) lines.push(`note: ${rep.unprobed}`, '');
  if (rep.path) lines.push(...drawLines(rep.path.title, rep.path.lines), '');
  const sorted = [...rep.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  for (const r of sorted) {
    lines.push(`${MARK[r.status]}  ${r.id}: ${r.summary}`);
    if (r.status === 'fail' || r.status === 'warn') {
      for (const e of r.evidence) lines.push(`      saw: ${e}`);
      if (r.fix) lines.push(`      fix: ${r.fix}`);
    }
  }
  lines.push('', countsLine(rep));
  return lines.join('\n') + '\n';
}

/** A container as the header names it: project/service (container, which replica) when a service name was given. */
function named(container: string, service: ServicePick | null | undefined): string {
  if (!service) return container;
  const replica = service.replicas > 1 ? `, #${service.number ?? '?'} of ${service.replicas} replicas` : '';
  return `${service.label} (${container}${replica})`;
}

export function countsLine(rep: DoctorReport): string {
  const c = rep.counts;
  return `${c.fail} failed, ${c.warn} warned, ${c.pass} passed, ${c.skip} skipped in ${(rep.ms / 1000).toFixed(2)} s`;
}

export function renderJson(rep: DoctorReport): string {
  return JSON.stringify({
    from: rep.from, to: rep.to, port: rep.port, backend: rep.backend,
    checks: rep.checks.map((r) => ({
      id: r.id, status: r.status, summary: r.summary, evidence: r.evidence, fix: r.fix, ms: Math.round(r.ms),
      ...(r.because ? { because: r.because } : {}), ...(r.facts !== undefined ? { facts: r.facts } : {}),
    })),
    counts: rep.counts, ms: Math.round(rep.ms),
    ...(rep.path ? { path: rep.path } : {}),
    ...(rep.services ? { services: rep.services } : {}),
    ...(rep.unprobed ? { unprobed: rep.unprobed } : {}),
  }, null, 2) + '\n';
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(rep: DoctorReport): string {
  const cases = rep.checks.map((r) => {
    const body = r.status === 'fail' ? `<failure message="${xml(r.summary)}">${xml([...r.evidence, r.fix ? `fix: ${r.fix}` : ''].join('\n'))}</failure>`
      : r.status === 'skip' ? `<skipped message="${xml(r.summary)}"/>`
        : r.status === 'warn' ? `<system-out>${xml(`WARN ${r.summary}`)}</system-out>` : '';
    return `    <testcase classname="tsdiag.doctor" name="${xml(r.id)}" time="${(r.ms / 1000).toFixed(3)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="doctor ${xml(rep.from)} -> ${xml(rep.to)}" tests="${rep.checks.length}" failures="${rep.counts.fail}" skipped="${rep.counts.skip}" time="${(rep.ms / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
