import { Box, Text } from 'ink';
import type { InventoryModel } from '../model/inventory-model.js';
import { detailsLines } from './details.js';
import { useStore } from './use-store.js';

export function DetailsView({ inventory }: { inventory: InventoryModel }) {
  const { rows, selectedKey } = useStore(inventory.store);
  const row = rows.find((r) => r.key === selectedKey) ?? null;
  return (
    <Box flexDirection="column">
      {detailsLines(row).map((line, i) => (
        <Text key={i} wrap="truncate-end">{line}</Text>
      ))}
    </Box>
  );
}
