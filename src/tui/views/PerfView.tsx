import { Box, Text } from 'ink';
import type { PerfModel } from '../model/perf-model.js';
import type { Store } from '../model/store.js';
import type { UiState } from '../model/ui-model.js';
import { pathLines, reportLines, type Line } from './perf-lines.js';
import { Spinner } from './Spinner.js';
import { useStore } from './use-store.js';

function DrawnLine({ line }: { line: Line }) {
  if (!line.length) return <Box height={1} />;
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => <Text key={i} color={s.color} bold={s.bold}>{s.text}</Text>)}
    </Text>
  );
}

/**
 * perf: source and target, then live per path an RTT histogram per probe
 * (p50 and p99 marked) and the throughput of each 100 ms interval per test;
 * at the end the findings with their fixes and the hops. While a run goes the
 * path being measured stays in view; PgUp/PgDn scroll.
 */
export function PerfView({ perf, ui, width, height }: { perf: PerfModel; ui: Store<UiState>; width: number; height: number }) {
  const p = useStore(perf.store);
  const { perfScroll } = useStore(ui);
  const { lines, starts } = pathLines(p.live, p.report, width);
  if (p.report) lines.push(...reportLines(p.report, width));
  const body = Math.max(1, height - 2 - (p.error ? 1 : 0));
  const follow = p.live.current ? starts.get(p.live.current.path) ?? 0 : 0;
  const first = Math.max(0, Math.min(perfScroll ?? (p.phase === 'running' ? follow : 0), lines.length - body));
  const findings = p.report?.findings.length ?? 0;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        from <Text bold color="cyan">{p.from?.name ?? '?'}</Text>  to <Text bold color="cyan">{p.to?.name ?? '?'}</Text>
        {p.phase === 'running' && <Text>  <Spinner /> <Text color="cyan">{p.progress}</Text></Text>}
        {p.phase === 'stopping' && <Text color="yellow">  stopping…</Text>}
        {p.phase === 'stopped' && <Text color="yellow">  stopped</Text>}
        {p.phase === 'done' && <Text color={findings ? 'red' : 'green'}>  {findings ? `${findings} finding${findings > 1 ? 's' : ''}` : 'no cause of slowness found'}</Text>}
      </Text>
      {p.error && <Text color="red" wrap="truncate-end">{p.error}</Text>}
      {lines.length === 0 && p.phase === 'idle' && <Text color="gray">select a container: f makes it the source, t the target; r measures the path</Text>}
      {lines.slice(first, first + body).map((line, i) => <DrawnLine key={first + i} line={line} />)}
    </Box>
  );
}
