import { Box, Text } from 'ink';
import type { CaptureModel } from '../model/capture-model.js';
import type { Store } from '../model/store.js';
import type { UiState } from '../model/ui-model.js';
import { clip } from './text.js';
import { useStore } from './use-store.js';

/** Packets of the selected bridge or container, live, tcpdump-style; the filter box with libpcap's verdict; counters. */
export function CaptureView({ capture, ui, width, height }: { capture: CaptureModel; ui: Store<UiState>; width: number; height: number }) {
  const c = useStore(capture.store);
  const { editing } = useStore(ui);
  const editingFilter = editing === 'filter';
  const filterText = editingFilter ? c.draft : c.filter;
  const showError = editingFilter && c.draftError;
  const statusLines = 2 + (showError ? 1 : 0) + (c.error || c.message ? 1 : 0);
  const room = Math.max(1, height - statusLines);
  const lines = c.lines.slice(-room);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{c.target?.label ?? 'no capture'}</Text>{' '}
        <Text color={c.phase === 'running' ? 'green' : 'gray'}>{c.phase}</Text>
        {c.paused && <Text color="yellow"> PAUSED</Text>}
        {'  '}captured <Text bold>{c.captured}</Text>  dropped <Text bold>{c.dropped ?? '-'}</Text>
      </Text>
      <Text wrap="truncate-end">
        filter <Text inverse={editingFilter} color={editingFilter && c.draftError ? 'red' : undefined}>{filterText || (editingFilter ? '' : '(none)')}{editingFilter ? '█' : ''}</Text>
      </Text>
      {showError && <Text color="red" wrap="truncate-end">{c.draftError}</Text>}
      {c.error ? <Text color="red" wrap="truncate-end">{c.error}</Text> : c.message ? <Text color="gray" wrap="truncate-end">{c.message}</Text> : null}
      {lines.map((p, i) => (
        <Text key={i} wrap="truncate-end">{clip(p.line.replace(/\n/g, ' '), width)}</Text>
      ))}
    </Box>
  );
}
