import fs from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import { isAlive } from '../netcore/kernel/processes.js';

/**
 * The pid file of a long-running server: created with O_EXCL so that two
 * servers started at once cannot both claim it; one left by a dead process is
 * taken over.
 */
/** The pid in the file when that process still runs, else null. */
export async function runningPid(file: string): Promise<number | null> {
  const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** Claims the file for this process; returns the other owner's pid when it is taken. */
export async function claimPidFile(file: string): Promise<{ claimed: true } | { claimed: false; owner: number }> {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await fs.open(file, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { claimed: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await runningPid(file);
    if (owner !== null) return { claimed: false, owner };
    const stale = `${file}.stale.${process.pid}`;
    await fs.rename(file, stale).then(() => fs.rm(stale, { force: true }), () => undefined);
  }
  throw new Error(`cannot claim ${file}`);
}

/** Removes the file if it still names this process. */
export async function releasePidFile(file: string): Promise<void> {
  const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
  if (pid === process.pid) await fs.rm(file, { force: true });
}
