import fs from 'node:fs/promises';
import path from 'node:path';
import { startDetached } from '../../netcore/kernel/detached.js';
import { hostStateDir } from '../../netcore/host.js';
import { listeningSockets } from '../../netcore/kernel/inspect.js';
import { isAlive } from '../../netcore/kernel/processes.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { serviceCommand } from '../service.js';
import type { Fault, Lab } from '../types.js';

/**
 * S12: a host process (a node TCP server) listens on the host port db
 * publishes, in the lab's host namespace. Its pid file sits in the host's
 * state dir, so `lab down` stops it too.
 */
const pidFile = (lab: Lab) => path.join(hostStateDir(lab.host), 'lab-s12-squatter.pid');

async function publishedPort(lab: Lab): Promise<number> {
  const db = (await readState(lab.host)).containers.db;
  return db?.ports.find((p) => p.proto === 'tcp')?.hostPort ?? lab.port;
}


export const s12PortTaken: Fault = {
  id: 'S12',
  check: 'ports.conflict',
  description: 'a host process (node) listens on the host port db publishes',
  async apply(lab) {
    const port = await publishedPort(lab);
    const [cmd, ...args] = serviceCommand(port);
    const listener = await startDetached(cmd!, args, { netns: lab.name, pidFile: pidFile(lab) });
    const listens = async () => (await listeningSockets(lab.name)).some((s) => s.port === port && s.pid === listener.pid);
    const up = await listener.waitUntil(listens, { timeoutMs: 5000, pollMs: 25 });
    if (up === 'exited') throw new Error(`the S12 listener on port ${port} exited`);
    if (up === 'timeout') throw new Error(`the S12 listener on port ${port} did not come up`);
  },
  async heal(lab) {
    const pid = Number.parseInt(await fs.readFile(pidFile(lab), 'utf8').catch(() => ''), 10);
    if (pid > 1 && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    }
    await fs.rm(pidFile(lab), { force: true });
  },
};
