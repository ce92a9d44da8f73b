import readline from 'node:readline';
import * as ops from './ops.js';
import { closesDone } from './tcp-close.js';
import type { AgentReply, AgentRequest } from './protocol.js';

/**
 * The probe agent's entry point: started inside a namespace (nsenter --net),
 * it serves requests from stdin until stdin closes. Requests run concurrently.
 */
const handlers: Record<string, (args: any) => Promise<unknown>> = { ...ops };

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req: AgentRequest;
  try {
    req = JSON.parse(line) as AgentRequest;
  } catch {
    return;
  }
  const handler = handlers[req.op];
  const reply = (r: AgentReply) => process.stdout.write(JSON.stringify(r) + '\n');
  if (!handler) {
    reply({ id: req.id, error: `unknown operation ${String(req.op)}` });
    return;
  }
  handler(req.args ?? {}).then(
    (result) => reply({ id: req.id, result }),
    (err: unknown) => reply({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
// the probes' connections close gracefully first: an exit now would close them with what the server sent unread
rl.on('close', () => void closesDone().then(() => process.exit(0)));
