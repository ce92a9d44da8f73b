import readline from 'node:readline';
import { exchange } from './dial.js';
import type { DialRequest, DialReply } from './netns-dialer.js';

/**
 * The dialer's entry point, started inside a container's namespace (nsenter
 * --net): it sends each forwarded query to its upstream from there, as
 * Docker's resolver does for every upstream that is not the host's own
 * loopback, and answers on stdout. Exits when stdin closes.
 */
const reply = (r: DialReply) => process.stdout.write(JSON.stringify(r) + '\n');

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let req: DialRequest;
  try {
    req = JSON.parse(line) as DialRequest;
  } catch {
    return;
  }
  const { reply: answer } = exchange({ address: req.address, port: req.port }, Buffer.from(req.query, 'base64'), req.transport, req.timeoutMs);
  void answer.then((r) => reply({ id: req.id, reply: r ? r.toString('base64') : null }));
}).on('close', () => process.exit(0));
