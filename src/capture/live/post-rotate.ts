import { spawn } from 'node:child_process';
import os from 'node:os';

/**
 * tcpdump's -z: the program run on each file closed at a rotation, with the
 * file name as its one argument (no shell), at the lowest priority, not
 * waited for. A program that cannot start is reported in tcpdump's words.
 */
export function postRotateCommand(program: string, warn: (line: string) => void): (path: string) => void {
  return (path) => {
    const child = spawn(program, [path], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (err) => warn(`compress_savefile: execlp(${program}, ${path}) failed: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : err.message}`));
    child.once('spawn', () => {
      try {
        os.setPriority(child.pid!, 19);
      } catch {
        // it may be done already
      }
    });
    child.unref();
  };
}
