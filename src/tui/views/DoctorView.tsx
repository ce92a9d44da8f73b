import { Box, Text } from 'ink';
import type { Status } from '../../diag/check.js';
import { renderText } from '../../diag/report.js';
import type { CheckRow, DoctorModel } from '../model/doctor-model.js';
import type { Store } from '../model/store.js';
import type { UiState } from '../model/ui-model.js';
import { Spinner } from './Spinner.js';
import { windowAround, wrapLines } from './text.js';
import { useStore } from './use-store.js';

const STATUS_COLOR: Record<Status, string> = { fail: 'red', warn: 'yellow', pass: 'green', skip: 'gray' };
const MARK: Record<Status, string> = { fail: '✗', warn: '!', pass: '✓', skip: '-' };

function reportLineColor(line: string): string | undefined {
  const m = /^(FAIL|WARN|pass|skip) /.exec(line);
  if (m) return STATUS_COLOR[m[1]!.toLowerCase() as Status];
  if (/^ +fix: /.test(line)) return 'green';
  if (/^ {8}✗ /.test(line)) return 'red';
  if (/^ {8}! /.test(line)) return 'yellow';
  return undefined;
}

/** `  out   a → b → c`, or the rest of such a line wrapped to the pane's width (`    → d → e`) */
const PATH_LINE = /^( {2}(?:out|back) +| {4}→ )(.*)$/;
const NODE_COLOR = (node: string) => (node.startsWith('✗ ') ? 'red' : node.startsWith('! ') ? 'yellow' : 'green');

/** A line of the path drawing: each hop in the colour of its verdict, so the broken one stands out. */
function ReportLine({ line }: { line: string }) {
  const m = PATH_LINE.exec(line);
  if (!m) return <Text color={reportLineColor(line)}>{line || ' '}</Text>;
  const nodes = m[2]!.split(' → ');
  return (
    <Text>
      <Text color={m[1]!.includes('→') ? 'gray' : 'cyan'}>{m[1]}</Text>
      {nodes.map((n, i) => <Text key={i}>{i > 0 ? <Text color="gray"> → </Text> : null}<Text color={NODE_COLOR(n)} bold={n.startsWith('✗ ')}>{n}</Text></Text>)}
    </Text>
  );
}

function CheckLine({ row }: { row: CheckRow }) {
  if (row.state === 'running') return <Text wrap="truncate-end"><Spinner /> {row.id} <Text color="gray">{row.title}</Text></Text>;
  if (!row.result) return <Text color="gray" wrap="truncate-end">· {row.id}</Text>;
  const s = row.result.status;
  return <Text wrap="truncate-end"><Text color={STATUS_COLOR[s]}>{MARK[s]} {row.id}</Text> {row.result.summary}</Text>;
}

/** The doctor: source, target and port; the checks live while they run; then the report, failures first with evidence and fix. */
export function DoctorView({ doctor, ui, width, height }: { doctor: DoctorModel; ui: Store<UiState>; width: number; height: number }) {
  const d = useStore(doctor.store);
  const { editing, text, reportScroll } = useStore(ui);
  const portText = editing === 'port' ? `${text}█` : d.port === null ? 'auto' : String(d.port);
  const body = height - 2;
  let content;
  if (d.phase === 'running') {
    const at = d.rows.findIndex((r) => r.state === 'running');
    content = windowAround(d.rows, Math.max(0, at), body).items.map((r) => <CheckLine key={r.id} row={r} />);
  } else if (d.phase === 'done' && d.report) {
    const lines = wrapLines(renderText(d.report).trimEnd().split('\n'), width);
    const first = Math.min(reportScroll, Math.max(0, lines.length - body));
    content = lines.slice(first, first + body).map((line, i) => <ReportLine key={first + i} line={line} />);
  } else {
    content = [<Text key="hint" color="gray">select a container: f makes it the source, t the target; p sets the port; r runs</Text>];
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        from <Text bold color="cyan">{d.from?.name ?? '?'}</Text>  to <Text bold color="cyan">{d.to?.name ?? '?'}</Text>  port{' '}
        <Text inverse={editing === 'port'}>{portText}</Text>
        {d.phase === 'running' && <Text color="cyan">  running…</Text>}
        {d.phase === 'done' && d.report && <Text color={d.report.counts.fail ? 'red' : 'green'}>  {d.report.counts.fail ? `${d.report.counts.fail} failed` : 'no failure'}</Text>}
      </Text>
      {d.error && <Text color="red" wrap="truncate-end">{d.error}</Text>}
      {content}
    </Box>
  );
}
