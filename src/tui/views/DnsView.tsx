import { Box, Text } from 'ink';
import { queryOutcome, type QueryLogRecord } from '../../dns/log-follow.js';
import type { DnsModel } from '../model/dns-model.js';
import { clip } from './text.js';
import { useStore } from './use-store.js';

const OUTCOME_COLOR = { ok: undefined, nodata: 'yellow', error: 'red' } as const;

export function latencyText(micros: number): string {
  return micros >= 1000 ? `${(micros / 1000).toFixed(1)}ms` : `${micros}us`;
}

export function queryLine(r: QueryLogRecord): string {
  const time = r.time.toISOString().slice(11, 23);
  return `${time} ${r.name.padEnd(20)} ${r.type.padEnd(5)} ${r.rcode.padEnd(8)} ${latencyText(r.micros).padStart(7)} ${r.client} ${r.answers.join(',') || '-'}`;
}

/** The embedded DNS server's queries, live: rcode and latency; failures in red, empty answers in yellow. */
export function DnsView({ dns, width, height }: { dns: DnsModel; width: number; height: number }) {
  const s = useStore(dns.store);
  const records = s.records.slice(-Math.max(1, height - 2));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {s.total} queries, <Text color={s.failures ? 'red' : undefined}>{s.failures} failed</Text>
        {s.paused && <Text color="yellow"> PAUSED</Text>}
        {s.failuresOnly && <Text color="yellow"> failures only</Text>}
        <Text color="gray">  {dns.where}</Text>
      </Text>
      <Text color="gray" wrap="truncate-end">{clip('time         name                 type  rcode    latency client answers', width)}</Text>
      {records.length === 0 && <Text color="gray">no queries yet (tsdiag dns serve writes them; a lab starts it)</Text>}
      {records.map((r, i) => (
        <Text key={i} color={OUTCOME_COLOR[queryOutcome(r)]} wrap="truncate-end">{clip(queryLine(r), width)}</Text>
      ))}
    </Box>
  );
}
