import fs from 'node:fs/promises';
import { UsageError } from '../../netcore/errors.js';
import { FACTS_FILE, FACTS_FORMAT, REPORT_FILE, type RecordedFacts, type RecordedReport } from './rejudge.js';
import { readTarGz } from './tar.js';

/** A bundle's recorded report and facts; an unreadable or damaged bundle is a UsageError of one line. */
export async function readBundle(file: string): Promise<{ report: RecordedReport; facts: RecordedFacts }> {
  const bad = (why: string) => new UsageError(`--from-bundle ${file}: ${why}`);
  const archive = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw bad(err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'a directory, not a bundle' : err.message);
  });
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(archive);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const json = (name: string): unknown => {
    const data = files.get(name);
    if (!data) throw bad(`not a doctor bundle (no ${name} in it)`);
    try {
      return JSON.parse(data.toString('utf8'));
    } catch {
      throw bad(`${name} in it is not JSON`);
    }
  };
  const report = json(REPORT_FILE) as RecordedReport;
  const facts = json(FACTS_FILE) as RecordedFacts;
  if (!Array.isArray(report?.checks) || typeof report.from !== 'string' || typeof report.to !== 'string') throw bad(`${REPORT_FILE} is not a doctor report`);
  if (facts?.format !== FACTS_FORMAT || !Array.isArray(facts.checks)) throw bad(`${FACTS_FILE} is not in format ${FACTS_FORMAT}`);
  return { report, facts };
}
