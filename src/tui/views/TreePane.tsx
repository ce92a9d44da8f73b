import { Box, Text } from 'ink';
import type { InventoryModel } from '../model/inventory-model.js';
import { rowLabel, type TreeRow } from '../model/tree.js';
import { clip, windowAround } from './text.js';
import { useStore } from './use-store.js';

const INDENT: Record<TreeRow['kind'], string> = { backend: '', network: ' ', container: '   ' };

function color(row: TreeRow): string | undefined {
  if (row.kind === 'backend') return row.error ? 'gray' : 'magenta';
  if (row.kind === 'network') return 'cyan';
  return row.container.running ? undefined : 'gray';
}

/** Left: networks and their containers, per backend; the selected row in inverse. */
export function TreePane({ inventory, width, height }: { inventory: InventoryModel; width: number; height: number }) {
  const { rows, selectedKey, loaded } = useStore(inventory.store);
  const inner = height - 2;
  const at = rows.findIndex((r) => r.key === selectedKey);
  const shown = windowAround(rows, Math.max(0, at), inner);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" borderColor="gray" overflow="hidden">
      {!loaded && <Text color="gray">reading inventory…</Text>}
      {shown.items.map((row) => (
        <Text key={row.key} inverse={row.key === selectedKey} color={color(row)} bold={row.kind === 'backend'} wrap="truncate-end">
          {clip(INDENT[row.kind] + rowLabel(row), width - 2)}
        </Text>
      ))}
    </Box>
  );
}
