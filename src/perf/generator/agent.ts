import readline from 'node:readline';
import { Receiver } from './receiver.js';
import * as sender from './sender.js';
import type { GeneratorReply, GeneratorRequest } from './protocol.js';

/**
 * tsdiag's traffic generator: started inside a namespace for one perf run
 * (nsenter --net), a receiver, a sender or both, serving requests from
 * stdin until stdin closes; then it leaves at once, its sockets with it.
 */
const out = (obj: object) => process.stdout.write(JSON.stringify(obj) + '\n');
const receiver = new Receiver(out);
const handlers: Record<string, (args: any) => unknown> = {
  listen: (a) => receiver.listen(a),
  session: (a) => receiver.session(a),
  result: (a) => receiver.result(a),
  ...sender,
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req: GeneratorRequest;
  try {
    req = JSON.parse(line) as GeneratorRequest;
  } catch {
    return;
  }
  const reply = (r: GeneratorReply) => out(r);
  const handler = handlers[req.op];
  if (!handler) return reply({ id: req.id, error: `unknown operation ${String(req.op)}` });
  Promise.resolve().then(() => handler(req.args ?? {})).then(
    (result) => reply({ id: req.id, result }),
    (err: unknown) => reply({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
rl.on('close', () => {
  receiver.close();
  process.exit(0);
});
