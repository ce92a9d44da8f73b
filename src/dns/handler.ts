import type { Forwarder } from './forward.js';
import { describeForwardedReply, describeRecords, type QueryLogEntry } from './log.js';
import type { RecordTable } from './records.js';
import type { ForwardRoutes } from './routes.js';
import {
  MAX_MESSAGE_SIZE, RCODE, encodeHeaderOnly, encodeResponse, headerOf, isRejection, parseQuery, udpLimitOf,
} from './wire.js';

/**
 * The request path, shared by UDP and TCP: parse, ask the record table, answer
 * or forward. `reply` is called at most once (never for a dropped message).
 */
export interface QueryContext {
  table: RecordTable;
  forwarder: Forwarder;
  routes: ForwardRoutes;
  log: ((e: QueryLogEntry) => void) | null;
}

export type Transport = 'udp' | 'tcp';

export function handleQuery(
  ctx: QueryContext, message: Buffer, client: string, transport: Transport, reply: (response: Buffer) => void,
): void {
  const started = ctx.log ? process.hrtime.bigint() : 0n;
  const query = parseQuery(message);
  if (isRejection(query)) {
    if (query.kind === 'error') reply(encodeHeaderOnly(message, query.rcode));
    return;
  }
  const maxSize = transport === 'udp' ? udpLimitOf(query) : MAX_MESSAGE_SIZE;
  const result = ctx.table.resolve(client, query);
  if (result.kind !== 'forward') {
    const rcode = result.kind === 'refused' ? RCODE.REFUSED : RCODE.NOERROR;
    const answers = result.kind === 'answer' ? result.answers : undefined;
    reply(encodeResponse(query, message, { rcode, answers, additionals: result.kind === 'answer' ? result.additionals : undefined, maxSize }));
    if (ctx.log) logQuery(ctx.log, started, transport, client, query.name, query.qtype, rcode, answers ? describeRecords(answers) : []);
    return;
  }
  message = Buffer.from(message); // kept past this return: a UDP message is a view of a receive slot that is reused
  ctx.forwarder.forward(message, transport, ctx.routes.for(client)).then((res) => {
    if (res.kind === 'reply') {
      reply(res.message);
      if (ctx.log) logQuery(ctx.log, started, transport, client, query.name, query.qtype, headerOf(res.message)!.rcode, describeForwardedReply(res.message));
    } else {
      reply(encodeResponse(query, message, { rcode: res.rcode, maxSize }));
      if (ctx.log) logQuery(ctx.log, started, transport, client, query.name, query.qtype, res.rcode, []);
    }
  }).catch(() => undefined); // a reply to a socket closed meanwhile
}

function logQuery(
  log: (e: QueryLogEntry) => void, started: bigint, transport: Transport, client: string, name: string, type: number, rcode: number, answers: string[],
): void {
  const micros = Number((process.hrtime.bigint() - started) / 1000n);
  log({ time: new Date(), transport, client, name, type, rcode, answers, micros });
}
