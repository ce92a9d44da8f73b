import { Text } from 'ink';
import { helpFor } from '../keys.js';
import type { UiState } from '../model/ui-model.js';
import { clip } from './text.js';

/** One line: a note when there is one, else the keys of the current view and the global ones. */
export function Footer({ ui, width }: { ui: UiState; width: number }) {
  if (ui.note) return <Text color="yellow" wrap="truncate-end">{clip(ui.note, width)}</Text>;
  if (ui.editing) return <Text color="gray" wrap="truncate-end">{clip('type; ⏎ apply  esc cancel  ⌫ erase', width)}</Text>;
  const { view, global } = helpFor(ui.view);
  const text = [...view, ...global.filter((k) => k.keys === '?' || k.keys === 'q' || k.keys === 'i d m c n')].map((k) => `${k.keys} ${k.what}`).join('  ');
  return <Text color="gray" wrap="truncate-end">{clip(text, width)}</Text>;
}
