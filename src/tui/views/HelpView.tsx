import { Box, Text } from 'ink';
import { VIEW_HELP, helpFor, type KeyHelp } from '../keys.js';
import type { ViewName } from '../model/ui-model.js';

function Section({ title, keys }: { title: string; keys: KeyHelp[] }) {
  return (
    <Text>
      <Text bold>{title}</Text>  {keys.map((k) => `${k.keys}: ${k.what}`).join('   ')}
    </Text>
  );
}

/** `?`: every key, per view, compact enough for 80x24. Any key closes it. */
export function HelpView() {
  const views = (Object.keys(VIEW_HELP) as ViewName[]).filter((v) => VIEW_HELP[v].length);
  return (
    <Box flexDirection="column">
      <Text color="gray">keys (any key closes this)</Text>
      <Section title="everywhere" keys={helpFor('details').global} />
      {views.map((v) => (
        <Section key={v} title={v} keys={VIEW_HELP[v]} />
      ))}
    </Box>
  );
}
