import { startDb, stopContainer } from '../setup.js';
import type { Fault } from '../types.js';

/** S13: the service in db bound to 127.0.0.1. */
export const s13LoopbackBind: Fault = {
  id: 'S13',
  check: 'app.listen',
  description: 'the service in db listens on 127.0.0.1 only',
  async apply(lab) {
    await stopContainer(lab, 'db');
    await startDb(lab, { bind: '127.0.0.1' });
  },
  async heal(lab) {
    await stopContainer(lab, 'db');
    await startDb(lab);
  },
};
