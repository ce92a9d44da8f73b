import readline from 'node:readline';
import { pickEngine } from './engine.js';
import { nativeSender } from './native-sender.js';
import { Receiver } from './receiver.js';
import * as nodeSender from './sender.js';
import type { GeneratorReply, GeneratorRequest } from './protocol.js';

/**
 * tsdiag's traffic generator: started inside a namespace for one perf run
 * (nsenter --net), a receiver, a sender or both, serving requests from
 * stdin until stdin closes; then it leaves at once, its sockets with it.
 */
const out = (obj: object) => process.stdout.write(JSON.stringify(obj) + '\n');
const { native, info } = pickEngine();
const receiver = new Receiver(out, native);
const handlers: Record<string, (args: any) => unknown> = {
  listen: (a) => receiver.listen(a),
  listenUdp: (a) => receiver.listenUdp(a),
  session: (a) => receiver.session(a),
  result: (a) => receiver.result(a),
  engine: () => info,
  ...nodeSender,
  // UDP at a rate stays in Node: paced every millisecond, it is far from the event loop's limit
  ...(native ? nativeSender(native, info.ipv6 === true) : {}),
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
